/**
 * Stampede: 1,000 concurrent requests for one cold key, on one replica and on two replicas sharing
 * one Redis, against a local Polygon-format mock upstream (50 ms per call, at most 20 in flight,
 * 429 beyond). Upstream calls are counted by the mock itself, for that key's symbol only.
 *   - the service (`GET /api/v1/market/prices/{SYM}`, provider polygon pointed at the mock);
 *   - a minimal Nest + Fastify app with `@nestjs/cache-manager`'s `CacheInterceptor`, over its
 *     in-memory store and over Redis (bench/peers/nest-cache-manager.app.ts);
 *   - cache-manager 7 `wrap` over a Keyv Redis store, called in process (no HTTP): two cache
 *     instances stand for two replicas.
 * Every HTTP replica is its own process; the keep-alive connections are opened before each burst,
 * and the burst's requests are written in one tick (500 to each replica with two). Each round
 * runs every variant on a fresh symbol, in turn; medians over the rounds.
 * `npm run bench:stampede`; writes the "Stampede" section of docs/BENCHMARKS.md.
 */
import KeyvRedis from '@keyv/redis';
import { createCache, type Cache } from 'cache-manager';
import { Keyv } from 'keyv';
import type { Bar } from '../src/market-data/market-data.types';
import { PolygonMockServer } from '../test/support/polygon-mock.server';
import { RedisServer } from '../test/support/redis-server';
import { QUIET_BENCH_ENV } from './bench-app';
import { startChildServer, type ChildServer } from './load-harness';
import { ConnectionPool, type BurstResult } from './http-burst';
import { PINNED, pinLoadGenerator } from './load-harness';
import { spawnNestCacheManagerPeer } from './peers/nest-cache-manager.app';
import { fetchUpstreamQuote } from './peers/upstream-quote';
import { environment, recordTargets, table, writeSection } from './report';
import { median, quantile } from '../test/support/latency';

const REQUESTS = 1_000;
const ROUNDS = 10;
const MOCK_LATENCY_MS = 50;
const MOCK_MAX_IN_FLIGHT = 20;
const API_KEY = 'bench-key';
const TTL_MS = 60_000;
/** The diagnostic variant's L2 deadline, ms (the default is 100). */
const PATIENT_L2_TIMEOUT_MS = 1_000;

interface Outcome {
  upstreamCalls: number;
  latencies: number[];
  errors: number;
  /** The service only (from its /metrics, summed over its replicas): what happened to L2 during the burst. */
  diagnosis?: Diagnosis;
}

interface Diagnosis {
  /** Longest event-loop stall of a replica during the burst, ms. */
  loopStallMs: number;
  /** L2 operations that hit the deadline; L2 operations refused by the open breaker. */
  l2Timeouts: number;
  l2CircuitOpen: number;
}

interface Variant {
  system: string;
  replicas: 1 | 2;
  /** Fires the burst at a cold `symbol`; upstream calls are counted by the caller. */
  burst(symbol: string): Promise<{ results: BurstResult[]; diagnosis?: Diagnosis }>;
  outcomes: Outcome[];
}

/** Weekday bars of the last three weeks, up to yesterday: enough for a quote (its last two). */
function recentBars(seed: number): Bar[] {
  const bars: Bar[] = [];
  for (let daysAgo = 21; daysAgo >= 1; daysAgo--) {
    const date = new Date(Date.now() - daysAgo * 86_400_000);
    if (date.getUTCDay() === 0 || date.getUTCDay() === 6) continue;
    const close = 100 + seed + bars.length;
    bars.push({ date: date.toISOString().slice(0, 10), open: close - 1, high: close + 1, low: close - 2, close, volume: 1_000_000 });
  }
  return bars;
}

/** A series of the service's Prometheus text: the sum of its samples whose labels contain `labels`. */
function sample(text: string, name: string, labels = ''): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(name) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/**
 * The service's own account of a burst: its event-loop stall (prom-client resets the lag
 * histogram at every scrape, so the scrape before the burst starts a fresh window) and its L2
 * timeouts and breaker refusals (counter deltas).
 */
async function diagnose(servers: ChildServer[], during: () => Promise<BurstResult[]>): Promise<{ results: BurstResult[]; diagnosis: Diagnosis }> {
  const scrape = () => Promise.all(servers.map(async (s) => (await fetch(`${s.url}/metrics`)).text()));
  const before = await scrape();
  const results = await during();
  const after = await scrape();
  const delta = (name: string, labels: string) => after.reduce((sum, text, i) => sum + sample(text, name, labels) - sample(before[i], name, labels), 0);
  return {
    results,
    diagnosis: {
      loopStallMs: Math.max(...after.map((text) => sample(text, 'nodejs_eventloop_lag_max_seconds') * 1000)),
      l2Timeouts: delta('mc_cache_l2_errors_total', 'kind="timeout"'),
      l2CircuitOpen: delta('mc_cache_l2_errors_total', 'kind="circuit-open"'),
    },
  };
}

/** HTTP replicas: a pool of keep-alive connections each, the burst split evenly between them. */
function httpVariant(system: string, servers: ChildServer[], warmPath: string, withDiagnosis = false): Variant {
  const pools = servers.map((s) => new ConnectionPool(s.url, REQUESTS / servers.length));
  const fire = async (symbol: string) => {
    const releasedAt = performance.now();
    const results = await Promise.all(pools.flatMap((p) => p.burst(`/api/v1/market/prices/${symbol}`, p.size, releasedAt)));
    // Late upstream calls (a waiter that gave up on the lease) would land after the answers: let them.
    await new Promise((r) => setTimeout(r, 200));
    return results;
  };
  return {
    system,
    replicas: servers.length as 1 | 2,
    outcomes: [],
    async burst(symbol) {
      // Connections the servers closed since the last round are opened again; the others are reused.
      await Promise.all(pools.map((p) => p.open(warmPath)));
      return withDiagnosis ? diagnose(servers, () => fire(symbol)) : { results: await fire(symbol) };
    },
  };
}

/** cache-manager `wrap`, in process: one cache instance per "replica", each with its own Redis connection. */
function wrapVariant(caches: Cache[], upstreamUrl: string): Variant {
  return {
    system: 'cache-manager 7 `wrap`, Keyv Redis store (in-process calls, no HTTP)',
    replicas: caches.length as 1 | 2,
    outcomes: [],
    async burst(symbol) {
      const releasedAt = performance.now();
      const calls = caches.flatMap((cache) =>
        Array.from({ length: REQUESTS / caches.length }, () =>
          cache.wrap(`price:${symbol}`, () => fetchUpstreamQuote(upstreamUrl, API_KEY, symbol), TTL_MS).then(
            () => ({ ms: performance.now() - releasedAt, status: 200 }),
            () => ({ ms: performance.now() - releasedAt, status: 0 }),
          ),
        ),
      );
      return { results: await Promise.all(calls) };
    },
  };
}

async function main(): Promise<void> {
  const redis = await RedisServer.start();
  const mock = await PolygonMockServer.start({ latencyMs: MOCK_LATENCY_MS, maxInFlight: MOCK_MAX_IN_FLIGHT, apiKey: API_KEY });
  const servers: ChildServer[] = [];
  const caches: Cache[] = [];
  try {
    const service = {
      ...QUIET_BENCH_ENV,
      REDIS_ENABLED: 'true',
      REDIS_URL: redis.url,
      // Both replicas share one prefix, hence one L2 and one lease space.
      REDIS_PREFIX: `stampede${Date.now()}:`,
      MARKET_DATA_PROVIDER: 'polygon',
      POLYGON_BASE_URL: mock.baseUrl,
      POLYGON_API_KEY: API_KEY,
      UPSTREAM_MAX_CONCURRENCY: String(MOCK_MAX_IN_FLIGHT),
    };
    const spawned = async (start: () => Promise<ChildServer>) => {
      const server = await start();
      servers.push(server);
      return server;
    };
    // Sequential boots: two cores, shared with other work.
    const serviceReplica = (env: Record<string, string>) => spawned(() => startChildServer('service', 'src/main.ts', env, '/health/ready'));
    const ours = [await serviceReplica(service), await serviceReplica(service)];
    // Diagnostic only (not the target's configuration): the same two replicas with a 1 s L2 deadline.
    const patient = { ...service, REDIS_PREFIX: `stampede-patient${Date.now()}:`, CACHE_L2_TIMEOUT_MS: String(PATIENT_L2_TIMEOUT_MS) };
    const oursPatient = [await serviceReplica(patient), await serviceReplica(patient)];
    const peer = { upstreamUrl: mock.baseUrl, upstreamApiKey: API_KEY, ttlMs: TTL_MS };
    const nestMemory = [await spawned(() => spawnNestCacheManagerPeer({ ...peer, store: 'memory' })), await spawned(() => spawnNestCacheManagerPeer({ ...peer, store: 'memory' }))];
    const nestRedis = [
      await spawned(() => spawnNestCacheManagerPeer({ ...peer, store: 'redis', redisUrl: redis.url })),
      await spawned(() => spawnNestCacheManagerPeer({ ...peer, store: 'redis', redisUrl: redis.url })),
    ];
    for (let i = 0; i < 2; i++) caches.push(createCache({ stores: [new Keyv({ store: new KeyvRedis(redis.url), namespace: 'wrap' })] }));

    const OURS = 'this service (L1 + Redis, single-flight + Redis lease)';
    const ourOne = httpVariant(OURS, ours.slice(0, 1), '/health/live', true);
    const ourTwo = httpVariant(OURS, ours, '/health/live', true);
    const ourTwoPatient = httpVariant(`${OURS}, diagnostic: \`CACHE_L2_TIMEOUT_MS=${PATIENT_L2_TIMEOUT_MS}\``, oursPatient, '/health/live', true);
    const peers: Variant[] = [
      httpVariant('`@nestjs/cache-manager` `CacheInterceptor`, in-memory store', nestMemory.slice(0, 1), '/health'),
      httpVariant('`@nestjs/cache-manager` `CacheInterceptor`, in-memory store', nestMemory, '/health'),
      httpVariant('`@nestjs/cache-manager` `CacheInterceptor`, Keyv Redis store', nestRedis.slice(0, 1), '/health'),
      httpVariant('`@nestjs/cache-manager` `CacheInterceptor`, Keyv Redis store', nestRedis, '/health'),
      wrapVariant(caches.slice(0, 1), mock.baseUrl),
      wrapVariant(caches, mock.baseUrl),
    ];
    const variants = [ourOne, ourTwo, ...peers, ourTwoPatient];
    // Servers run on CPU 0 (bench/load-harness.ts); the burst and the in-process `wrap` calls on CPU 1.
    pinLoadGenerator();

    for (let round = 0; round < ROUNDS; round++) {
      for (const [index, variant] of variants.entries()) {
        const symbol = `STMP${round}V${index}`;
        mock.setBars(symbol, recentBars(index));
        const upstream = () => mock.requests.filter((r) => r.url.includes(`/ticker/${symbol}/`)).length;
        const { results, diagnosis } = await variant.burst(symbol);
        const outcome = { upstreamCalls: upstream(), latencies: results.map((r) => r.ms), errors: results.filter((r) => r.status !== 200).length, diagnosis };
        variant.outcomes.push(outcome);
        const why = diagnosis ? `; loop stall ${diagnosis.loopStallMs.toFixed(0)} ms, L2 timeouts ${diagnosis.l2Timeouts}, breaker refusals ${diagnosis.l2CircuitOpen}` : '';
        console.log(`round ${round + 1} ${variant.system} × ${variant.replicas}: ${outcome.upstreamCalls} upstream calls, ${outcome.errors} errors, p99 ${quantile(outcome.latencies, 0.99).toFixed(0)} ms${why}`);
      }
    }

    const calls = (v: Variant) => v.outcomes.map((o) => o.upstreamCalls);
    const errors = (v: Variant) => v.outcomes.reduce((sum, o) => sum + o.errors, 0);
    const rows = variants.map((v) => [
      v.system,
      v.replicas,
      median(calls(v)),
      calls(v).join(' / '),
      median(v.outcomes.map((o) => quantile(o.latencies, 0.5))).toFixed(1),
      median(v.outcomes.map((o) => quantile(o.latencies, 0.99))).toFixed(1),
      errors(v),
    ]);
    const diagnosisRows = [ourOne, ourTwo, ourTwoPatient].map((v) => {
      const d = v.outcomes.map((o) => o.diagnosis as Diagnosis);
      return [v.system, v.replicas, d.map((x) => x.loopStallMs.toFixed(0)).join(' / '), d.map((x) => x.l2Timeouts).join(' / '), d.map((x) => x.l2CircuitOpen).join(' / '), calls(v).join(' / ')];
    });
    const peerFigures = (replicas: number) =>
      peers
        .filter((v) => v.replicas === replicas)
        .map((v) => `${v.system.replace(/`/g, '')}: ${median(calls(v))} calls, ${errors(v)} errors`)
        .join('; ');
    const missed = ourTwo.outcomes.filter((o) => o.upstreamCalls > 1);
    const explanation =
      missed.length === 0
        ? 'Two replicas made one upstream call in every round: the Redis lease held.'
        : `In ${missed.length} of ${ROUNDS} rounds two replicas made more than one upstream call, each time with L2 timeouts (${missed.map((o) => o.diagnosis?.l2Timeouts).join(', ')}) during a stall of ${missed.map((o) => o.diagnosis?.loopStallMs.toFixed(0)).join(', ')} ms. Redis (private, otherwise idle) answers in well under a millisecond, but a replica busy with its 500 requests stalls its event loop past the L2 deadline, so the deadline's timer fires before the replica gets to read the reply: the L2 read or the lease \`SET NX\` counts as a timeout, the replica takes Redis as unable to tell and computes the value itself, and enough timeouts open its breaker (later L2 calls refused for \`CACHE_BREAKER_OPEN_MS\`). With a ${PATIENT_L2_TIMEOUT_MS} ms deadline (diagnostic row): ${calls(ourTwoPatient).join(' / ')} upstream calls.`;
    const body = [
      `${REQUESTS.toLocaleString('en-US')} concurrent GETs of one cold key, all written in one tick on already-open keep-alive connections (${REQUESTS / 2} to each replica with two replicas). Mock upstream in Polygon's format: ${MOCK_LATENCY_MS} ms per call, at most ${MOCK_MAX_IN_FLIGHT} in flight (429 beyond), counting every call it receives (429s included) for the burst's symbol.`,
      'Every HTTP replica is its own Node process (ts-node, `NODE_ENV=production`, log level error); two replicas share one private redis-server (and, for the service, one `REDIS_PREFIX`). The peers\' handler makes the same aggregates call as the service\'s provider, with no retry; an upstream refusal becomes a 502. `wrap` rows are in-process calls (two `createCache` instances, each with its own Redis connection, stand for two replicas), so their latencies exclude HTTP.',
      `${ROUNDS} rounds, each running every variant in turn on a fresh symbol; medians over the rounds. Latency from the release of the burst to each response's end. ${PINNED ? 'Servers (both replicas of a system included) on CPU 0, load generator and `wrap` calls on CPU 1 (`taskset`).' : 'Not pinned: servers and load generator share the CPUs.'}`,
      '',
      table(['system', 'replicas', 'upstream calls (median)', 'upstream calls per round', 'p50 ms', 'p99 ms', 'errors (all rounds)'], rows),
      '',
      'Target: 1 upstream call on one and on two replicas (the service, default configuration). `CacheInterceptor` runs the handler once per request that finds the cache empty (no coalescing); cache-manager `wrap` coalesces within one cache instance (one call per replica).',
      '',
      `What the service's replicas saw during each burst (their /metrics, summed over replicas; per round): the longest event-loop stall, L2 operations past their deadline (\`CACHE_L2_TIMEOUT_MS\`, default 100 ms) and L2 operations refused by the breaker that such timeouts open.`,
      '',
      table(['system', 'replicas', 'event-loop stall ms', 'L2 timeouts', 'breaker refusals', 'upstream calls'], diagnosisRows),
      '',
      explanation,
      '',
      environment(),
    ].join('\n');
    console.log(body);
    writeSection('Stampede', body);
    const met = (v: Variant) => Math.max(...calls(v)) === 1 && errors(v) === 0;
    recordTargets('stampede', [
      {
        scenario: 'stampede: 1,000 concurrent requests on one cold key, one replica',
        comparedWith: '`CacheInterceptor` (memory / Redis); cache-manager `wrap`',
        target: '1 upstream call',
        measured: `ours: ${calls(ourOne).join('/')} upstream calls in ${ROUNDS} rounds, ${errors(ourOne)} errors; peers (median calls): ${peerFigures(1)}`,
        met: met(ourOne),
      },
      {
        scenario: 'stampede: 1,000 concurrent requests on one cold key, two replicas',
        comparedWith: '`CacheInterceptor` (memory / Redis); cache-manager `wrap`',
        target: '1 upstream call',
        measured: `ours: ${calls(ourTwo).join('/')} upstream calls in ${ROUNDS} rounds, ${errors(ourTwo)} errors (L2 timeouts ${ourTwo.outcomes.map((o) => o.diagnosis?.l2Timeouts).join('/')}; with a ${PATIENT_L2_TIMEOUT_MS} ms L2 deadline: ${calls(ourTwoPatient).join('/')}); peers (median calls): ${peerFigures(2)}`,
        met: met(ourTwo),
      },
    ]);
  } finally {
    await Promise.all(caches.map((c) => c.disconnect().catch(() => undefined)));
    await Promise.all(servers.map((s) => s.close()));
    await mock.close();
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
