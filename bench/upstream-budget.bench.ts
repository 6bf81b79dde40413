/**
 * Upstream budget (issue 18): three replicas (in-process app instances) on one private
 * `redis-server`, over the Polygon-format mock, with one budget of 20 requests/s (burst 5).
 * Interactive callers ask for cold quotes from a pool of 500 symbols at 12/s in all; three phases
 * of PHASE_S seconds: no warmup; a cold warmup of 5,000 symbols running on one replica; the same
 * with Redis killed mid-phase. Reported: the mock's per-second call counts (max in any sliding
 * second, p99 of whole seconds), interactive p50/p99 and failures, warmup tasks done.
 * `npm run bench:upstream-budget`; writes the "Upstream budget" section of docs/BENCHMARKS.md.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RedisConnection } from '../src/cache';
import { SyntheticMarketDataProvider } from '../src/market-data/providers/synthetic.provider';
import { UpstreamRateBudget } from '../src/market-data/upstream-budget/upstream-rate-budget';
import { waitUntil } from '../test/support/cache.builder';
import { quantile } from '../test/support/latency';
import { PolygonMockServer } from '../test/support/polygon-mock.server';
import { maxInWindow, perSecond } from '../test/support/rate-windows';
import { RedisServer } from '../test/support/redis-server';
import { bootBenchApp } from './bench-app';
import { environment, recordTargets, table, writeSection } from './report';

const API_KEY = 'bench-budget-key';
const ADMIN = 'bench-budget-admin-key-0123';
const RATE = 20;
const BURST = 5;
const PER_REPLICA_PER_S = 4;
const PHASE_S = 10;
const INTERACTIVE_POOL = 500;
const WARMUP_SYMBOLS = 5000;

interface Phase {
  name: string;
  latencies: number[];
  failed: number;
  upstream: number[];
  warmupDone?: number;
  warmupWaiting?: number;
}

async function main(): Promise<void> {
  const redis = await RedisServer.start();
  const mock = await PolygonMockServer.start({ apiKey: API_KEY, latencyMs: 20 });
  const apps: NestFastifyApplication[] = [];
  try {
    const bars = await new SyntheticMarketDataProvider({ seed: 5, universeSize: 100 }).getHistory('AAPL', { interval: '1d', period: '1mo' });
    const letters = 'BCDFGHJKLMNPQRSTVWXZ';
    const names: string[] = [];
    for (const a of 'QRVWXYZ') for (const b of letters) for (const c of letters) for (const d of 'AEIOU') names.push(`${a}${b}${c}${d}`);
    for (const name of names) mock.setBars(name, bars);
    const interactive = names.slice(0, INTERACTIVE_POOL);
    const warm = names.slice(INTERACTIVE_POOL, INTERACTIVE_POOL + WARMUP_SYMBOLS);
    let nextInteractive = 0;

    const env = {
      REDIS_ENABLED: 'true',
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'budget:',
      MARKET_DATA_PROVIDER: 'polygon',
      POLYGON_BASE_URL: mock.baseUrl,
      POLYGON_API_KEY: API_KEY,
      UPSTREAM_MAX_RETRIES: '0',
      UPSTREAM_RATE_PER_SECOND: String(RATE),
      UPSTREAM_RATE_BURST: String(BURST),
      UPSTREAM_RATE_MAX_WAIT_MS: '3000',
      ADMIN_API_KEY: ADMIN,
      ADMIN_RATE_LIMIT_PER_MINUTE: '100000',
      WARMUP_CONCURRENCY: '16',
      CACHE_L2_TIMEOUT_MS: '500',
    };
    for (let i = 0; i < 3; i++) apps.push(await bootBenchApp(env));
    for (const app of apps) await waitUntil(() => app.get(RedisConnection).remote?.available === true, 10_000);
    await waitUntil(() => apps.every((app) => app.get(UpstreamRateBudget).stats().replicasSeen === 3), 10_000);

    const phase = async (name: string, during?: () => Promise<void>): Promise<Phase> => {
      const from = mock.requests.length;
      const latencies: number[] = [];
      let failed = 0;
      const calls: Promise<void>[] = [];
      const pacing = (async () => {
        for (let i = 0; i < PHASE_S * PER_REPLICA_PER_S; i++) {
          for (const [index, app] of apps.entries()) {
            const symbol = interactive[nextInteractive++ % interactive.length];
            calls.push(
              (async () => {
                await new Promise((resolve) => setTimeout(resolve, (index * 1000) / PER_REPLICA_PER_S / apps.length));
                const started = performance.now();
                const res = await app.inject({ method: 'GET', url: `/api/v1/market/prices/${symbol}` });
                latencies.push(performance.now() - started);
                if (res.statusCode !== 200) failed++;
              })(),
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 1000 / PER_REPLICA_PER_S));
        }
      })();
      await Promise.all([pacing, during?.()]);
      await Promise.all(calls);
      return { name, latencies, failed, upstream: mock.requests.slice(from).map((r) => r.at) };
    };

    const quiet = await phase('no warmup');
    const start = await apps[0].inject({
      method: 'POST',
      url: '/api/v1/admin/cache/warmup',
      headers: { 'x-api-key': ADMIN, 'content-type': 'application/json' },
      payload: { symbols: warm, policies: ['prices'] },
    });
    const id = (start.json() as { id: string }).id;
    const progress = async (): Promise<{ done: number; waitingForBudget?: number }> =>
      (await apps[0].inject({ method: 'GET', url: `/api/v1/admin/cache/warmup/${id}`, headers: { 'x-api-key': ADMIN } })).json() as { done: number; waitingForBudget?: number };
    let waiting = 0;
    const busy = await phase('cold warmup of 5,000 running', async () => {
      await new Promise((resolve) => setTimeout(resolve, (PHASE_S * 1000) / 2));
      waiting = (await progress()).waitingForBudget ?? 0;
    });
    busy.warmupDone = (await progress()).done;
    busy.warmupWaiting = waiting;
    const killed = await phase('warmup running, Redis killed mid-phase', async () => {
      await new Promise((resolve) => setTimeout(resolve, (PHASE_S * 1000) / 2));
      await redis.kill();
    });
    killed.warmupDone = (await progress()).done;

    const rows = [quiet, busy, killed].map((p) => {
      const seconds = perSecond(p.upstream);
      return [
        p.name,
        p.latencies.length,
        p.failed,
        `${Math.round(quantile(p.latencies, 0.5))} / ${Math.round(quantile(p.latencies, 0.99))}`,
        p.upstream.length,
        maxInWindow(p.upstream),
        quantile(seconds, 0.99),
        p.warmupDone === undefined ? '—' : `${p.warmupDone}${p.warmupWaiting ? ` (${p.warmupWaiting} waiting for budget at mid-phase)` : ''}`,
      ];
    });
    const body = [
      `Three replicas (in-process app instances) on one private \`redis-server\`, the Polygon-format mock (20 ms per call), budget \`UPSTREAM_RATE_PER_SECOND=${RATE}\`, \`UPSTREAM_RATE_BURST=${BURST}\`; interactive: ${PER_REPLICA_PER_S * 3} cold quotes/s in all from a pool of ${INTERACTIVE_POOL} symbols, ${PHASE_S} s per phase; the warmup (\`prices\` of ${WARMUP_SYMBOLS} cold symbols, on replica 1, \`WARMUP_CONCURRENCY=16\`) starts after the first phase and keeps running. \`npm run bench:upstream-budget\`.`,
      '',
      table(['phase', 'interactive requests', 'failed', 'interactive p50 / p99 ms', 'upstream calls', 'max calls in any 1 s', 'p99 calls per whole second', 'warmup tasks done'], rows),
      '',
      environment(),
    ].join('\n');
    console.log(body);
    writeSection('Upstream budget', body);
    const bound = RATE + BURST;
    const p99 = (p: Phase) => quantile(p.latencies, 0.99);
    recordTargets('upstream-budget', [
      {
        scenario: 'Upstream budget: 3 replicas, 20/s + burst 5, cold 5,000-symbol warmup running',
        comparedWith: 'the same interactive load without the warmup',
        target: `≤ ${bound} upstream calls in any second; interactive p99 ≤ 2× without warmup; none failed`,
        measured: `max ${maxInWindow(busy.upstream)}/s; p99 ${Math.round(p99(busy))} ms vs ${Math.round(p99(quiet))} ms; ${busy.failed} failed; warmup ${busy.warmupDone} done`,
        met: maxInWindow(busy.upstream) <= bound && p99(busy) <= 2 * p99(quiet) && busy.failed === 0,
      },
      {
        scenario: 'Upstream budget: same, Redis killed mid-run',
        comparedWith: 'the budget',
        target: `≤ ${bound} upstream calls in any second; none failed`,
        measured: `max ${maxInWindow(killed.upstream)}/s; ${killed.failed} failed; p99 ${Math.round(p99(killed))} ms`,
        met: maxInWindow(killed.upstream) <= bound && killed.failed === 0,
      },
    ]);
  } finally {
    await Promise.all(apps.map((app) => app.close().catch(() => undefined)));
    await mock.close();
    await redis.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
