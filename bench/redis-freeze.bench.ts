/**
 * Redis frozen (SIGSTOP) under load, next to Redis healthy, in one run, on two replicas of the
 * service sharing a private redis-server (autocannon, 50 connections, `GET /api/v1/market/prices/{symbol}`
 * over 500 symbols cached beforehand):
 * - "L1 on": the defaults; the working set is in L1, as on any replica that has served a while.
 * - "L1 bypassed": `CACHE_L1_MAX_ENTRY_BYTES=64`, so every request reads Redis: the worst case. Once
 *   the breaker opens every request is recomputed, so a third server with no Redis at all (and L1
 *   bypassed) is measured too: the floor under that case's p99.
 * Each round: per replica a healthy run, then a run during which Redis is frozen after 1 s until
 * its end. Target: 0 errors; p99 during the freeze at most the L2 deadline + 20 ms.
 * `npm run bench:freeze`; writes the "Redis frozen under load" section of docs/BENCHMARKS.md.
 */
import { RedisServer } from '../test/support/redis-server';
import { QUIET_BENCH_ENV } from './bench-app';
import { median } from '../test/support/latency';
import { PINNED, load, pinLoadGenerator, startChildServer, type ChildServer, type LoadResult } from './load-harness';
import { environment, recordTargets, table, writeSection, type TargetRow } from './report';

const SYMBOLS = 500;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;
const DEADLINE_MS = 100;
const FREEZE_AFTER_MS = 1_000;

interface Replica {
  name: string;
  server: ChildServer;
  healthy: LoadResult[];
  frozen: LoadResult[];
  recoveries: number[];
}

const of = (runs: LoadResult[], pick: (r: LoadResult) => number) => median(runs.map(pick));
const errorsOf = (runs: LoadResult[]) => runs.reduce((sum, r) => sum + r.failed, 0);
const maxOf = (runs: LoadResult[]) => Math.max(...runs.map((r) => r.max));

async function main(): Promise<void> {
  const redis = await RedisServer.start();
  const servers: ChildServer[] = [];
  try {
    const env = {
      ...QUIET_BENCH_ENV,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      REDIS_URL: redis.url,
      REDIS_PREFIX: `freeze${Date.now()}:`,
      CACHE_L2_TIMEOUT_MS: String(DEADLINE_MS),
      CACHE_PRICE_TTL: '3600',
    };
    const start = async (label: string, extra: Record<string, string>) => {
      const server = await startChildServer(label, 'src/main.ts', { ...env, ...extra }, '/health/ready');
      servers.push(server);
      return server;
    };
    const replicas: Replica[] = [
      { name: 'L1 on (defaults)', server: await start('L1 on', {}), healthy: [], frozen: [], recoveries: [] },
      { name: 'L1 bypassed (every request reads Redis)', server: await start('L1 bypassed', { CACHE_L1_MAX_ENTRY_BYTES: '64' }), healthy: [], frozen: [], recoveries: [] },
    ];
    const floor = await start('no Redis, L1 bypassed', { CACHE_L1_MAX_ENTRY_BYTES: '64', REDIS_ENABLED: 'false', REDIS_URL: '' });
    const tickers = (await (await fetch(`${floor.url}/api/v1/market/tickers?market=all`)).json()) as { symbols: { symbol: string }[] };
    const paths = tickers.symbols.slice(0, SYMBOLS).map((s) => `/api/v1/market/prices/${encodeURIComponent(s.symbol)}`);
    for (const { server } of replicas) for (const path of paths) await fetch(`${server.url}${path}`);
    const [l1On, bypassed] = replicas;
    await expectCache(`${l1On.server.url}${paths[0]}`, 'HIT-L1');
    await expectCache(`${bypassed.server.url}${paths[0]}`, 'HIT-L2');
    pinLoadGenerator();
    for (const server of [l1On.server, bypassed.server, floor]) await load(server, paths, 3, CONNECTIONS);

    const recomputed: LoadResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const replica of replicas) {
        replica.healthy.push(await load(replica.server, paths, SECONDS, CONNECTIONS));
        const freezing = setTimeout(() => redis.freeze(), FREEZE_AFTER_MS);
        try {
          replica.frozen.push(await load(replica.server, paths, SECONDS, CONNECTIONS));
        } finally {
          clearTimeout(freezing);
          redis.resume();
        }
        replica.recoveries.push(await msUntilRedisServes(replica.server.url));
        const [h, f] = [replica.healthy[round], replica.frozen[round]];
        console.log(`round ${round + 1}, ${replica.name}: healthy p99 ${h.p99} ms, frozen p99 ${f.p99} ms (max ${f.max}), errors ${f.failed}, Redis serving again after ${replica.recoveries[round]} ms`);
      }
      recomputed.push(await load(floor, paths, SECONDS, CONNECTIONS));
      console.log(`round ${round + 1}, no Redis: p99 ${recomputed[round].p99} ms`);
    }

    const row = (label: string, runs: LoadResult[]) => [label, of(runs, (r) => r.rps).toFixed(0), of(runs, (r) => r.p50), of(runs, (r) => r.p99), maxOf(runs), errorsOf(runs), runs.reduce((sum, r) => sum + r.requests, 0)];
    const rows = [
      ...replicas.flatMap((r) => [row(`${r.name}, Redis healthy`, r.healthy), row(`${r.name}, Redis frozen`, r.frozen)]),
      row('no Redis at all, L1 bypassed: every request recomputed', recomputed),
    ];
    const text = [
      `Two replicas on one private redis-server, \`GET /api/v1/market/prices/{symbol}\` over ${SYMBOLS} symbols cached beforehand; autocannon, ${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} rounds (medians; max over all runs). Frozen: \`SIGSTOP\` ${FREEZE_AFTER_MS} ms into the run, \`SIGCONT\` after it. L2 deadline ${DEADLINE_MS} ms; the breaker opens at 50 % failures over ≥ 5 calls or after 5 on-time timeouts in a row, half-opens after 5 s.`,
      PINNED ? 'Services on CPU 0, load generator on CPU 1.' : 'Not pinned.',
      '',
      table(['replica, Redis', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors + non-2xx', 'requests'], rows),
      '',
      `With L1 holding the working set a frozen Redis is invisible: nothing on the hit path waits on it. With L1 bypassed, requests in flight when Redis froze wait one deadline, the breaker opens and every request is recomputed until Redis returns, which costs what the service with no Redis costs (last row): that, not waiting on Redis, bounds the frozen p99. Redis serving again after \`SIGCONT\`: ${replicas.map((r) => `${r.name}: ${r.recoveries.map((ms) => `${ms} ms`).join(', ')}`).join('; ')} (the breaker's half-open probe comes at most 5 s after it opened).`,
      '',
      environment(),
    ].join('\n');
    console.log(text);
    writeSection('Redis frozen under load', text);
    const target = (replica: Replica, scenario: string): TargetRow => ({
      scenario,
      comparedWith: 'Redis healthy, same run',
      target: `0 errors; p99 ≤ deadline + 20 ms (${DEADLINE_MS + 20} ms)`,
      measured: `${errorsOf(replica.frozen)} errors; p99 ${of(replica.frozen, (r) => r.p99)} ms frozen vs ${of(replica.healthy, (r) => r.p99)} ms healthy; max ${maxOf(replica.frozen)} ms${replica === bypassed ? `; no Redis at all: p99 ${of(recomputed, (r) => r.p99)} ms` : ''}`,
      met: errorsOf(replica.frozen) === 0 && of(replica.frozen, (r) => r.p99) <= DEADLINE_MS + 20,
    });
    recordTargets('redis-freeze', [target(l1On, 'Redis frozen (SIGSTOP) under load, L1 on'), target(bypassed, 'Redis frozen under load, L1 bypassed (worst case)')]);
  } finally {
    await Promise.all(servers.map((server) => server.close()));
    await redis.stop();
  }
}

async function expectCache(url: string, value: string): Promise<void> {
  const response = await fetch(url);
  if (response.headers.get('x-cache') !== value) throw new Error(`${url}: expected X-Cache ${value}, got ${response.headers.get('x-cache')}`);
}

/** After Redis resumes: ms until the replica reports Redis as its backend with the breaker closed. */
async function msUntilRedisServes(url: string): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < 30_000) {
    const health = (await (await fetch(`${url}/health`)).json()) as { info?: { cache?: { backend?: string; breaker?: string } } };
    if (health.info?.cache?.backend === 'redis' && health.info.cache.breaker === 'closed') return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  return Number.NaN;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
