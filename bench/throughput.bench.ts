/**
 * Per-replica throughput of a cached GET of ~1 KB (`/api/v1/scores/AAPL?horizon=medium`, an L1
 * hit) next to, in the same run and interleaved in rounds: a bare Fastify server answering the
 * same bytes; `@nestjs/cache-manager`'s `CacheInterceptor` answering the same bytes over its
 * in-memory store and over Redis; the service without access logs; the service answering L2 hits.
 * Servers on CPU 0, autocannon (50 connections) on CPU 1 when `taskset` and two CPUs exist. On a
 * shared machine a server rarely gets its whole CPU, so requests per CPU second of the server
 * process (from /proc) are the figure compared; wall-clock req/s are context. Also the sizes of
 * typical cached values in Redis (for docs/SCALING.md).
 * `npm run bench:throughput`; writes the "Throughput" section of docs/BENCHMARKS.md.
 */
import { createClient } from '@redis/client';
import { RedisServer } from '../test/support/redis-server';
import { QUIET_BENCH_ENV } from './bench-app';
import { median } from '../test/support/latency';
import { PINNED, load, pinLoadGenerator, startChildServer, type ChildServer, type LoadResult } from './load-harness';
import { environment, recordTargets, table, writeSection } from './report';

const PATH = '/api/v1/scores/AAPL?horizon=medium';
const PEER_PATH = '/api/v1/market/prices/AAPL';
const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 3;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Symbols the L2-hit run spreads its requests over, so that concurrent requests rarely share one Redis GET. */
const L2_SYMBOLS = 500;
/** Routes whose cached values are sized in Redis: one per common policy. */
const SIZED = [
  '/api/v1/market/prices/AAPL',
  '/api/v1/market/history/AAPL?interval=1d&period=1y',
  '/api/v1/market/info/AAPL',
  '/api/v1/indicators/AAPL?names=rsi14,sma20,ema50,macd,bbands20,atr14',
  PATH,
];
// Response headers the bare server repeats (the ones that do not change per request).
const SAME_HEADERS = ['content-type', 'x-cache', 'cache-control', 'etag'];
// Long TTLs: every measured request must stay a fresh hit for the whole run.
const LONG_TTLS = { CACHE_PRICE_TTL: '3600', CACHE_HISTORY_TTL: '3600', CACHE_SCORE_TTL: '3600', CACHE_INFO_TTL: '3600' };

interface Target {
  server: ChildServer;
  /** Paths requested at random. */
  paths: string[];
  runs: LoadResult[];
}

const ratio = (part: number, whole: number) => `${((part / whole) * 100).toFixed(0)} %`;

/** Bytes in Redis per kind of cached value: the value itself (STRLEN) and what Redis uses for the key (MEMORY USAGE). */
async function valueSizes(redisUrl: string, prefix: string): Promise<(string | number)[][]> {
  const client = createClient({ url: redisUrl });
  await client.connect();
  const rows: (string | number)[][] = [];
  let cursor = '0';
  do {
    const [next, keys] = (await client.sendCommand(['SCAN', cursor, 'MATCH', `${prefix}v*`, 'COUNT', '1000'])) as [string, string[]];
    cursor = next;
    for (const key of keys) {
      const bytes = Number(await client.sendCommand(['STRLEN', key]));
      const memory = Number(await client.sendCommand(['MEMORY', 'USAGE', key]));
      rows.push([`\`${key.slice(prefix.length).replace(/:http:.*/, ':http:…')}\``, bytes, memory]);
    }
  } while (cursor !== '0');
  await client.quit();
  // One row per kind of value: the L2 run leaves hundreds of price keys of the same shape.
  const kinds = new Map<string, (string | number)[]>();
  for (const row of rows) kinds.set(String(row[0]).replace(/^(`v\d+:price:)[^`]+`$/, '$1{SYMBOL}`'), row);
  return [...kinds.entries()].map(([kind, [, bytes, memory]]) => [kind, bytes, memory]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

async function expectHeader(url: string, name: string, value: string): Promise<Response> {
  const response = await fetch(url);
  if (response.headers.get(name) !== value) throw new Error(`${url}: expected ${name} ${value}, got ${response.headers.get(name)}`);
  return response;
}

async function main(): Promise<void> {
  const redis = await RedisServer.start();
  const servers: ChildServer[] = [];
  const start = async (label: string, script: string, env: Record<string, string>, ready: string, args: string[] = []) => {
    const server = await startChildServer(label, script, env, ready, args);
    servers.push(server);
    return server;
  };
  try {
    const prefix = `tput${Date.now()}:`;
    // Production mode with access logs (level info, to /dev/null); nothing in the background.
    const service = { ...QUIET_BENCH_ENV, LOG_LEVEL: 'info', HOST: '127.0.0.1', REDIS_URL: redis.url, REDIS_PREFIX: prefix, ...LONG_TTLS };
    const app = await start('service, L1 hit, log level info', 'src/main.ts', service, '/health/ready');
    const quiet = await start('service, L1 hit, LOG_LEVEL=warn (no access log)', 'src/main.ts', { ...service, LOG_LEVEL: 'warn' }, '/health/ready');
    // Values above 64 bytes skip L1: every request is an L2 hit (one Redis GET), as on a replica whose L1 is cold.
    const l2 = await start(`service, L2 hit (L1 bypassed, ${L2_SYMBOLS} symbols), log level info`, 'src/main.ts', { ...service, CACHE_L1_MAX_ENTRY_BYTES: '64' }, '/health/ready');

    const tickers = (await (await fetch(`${l2.url}/api/v1/market/tickers?market=sp500`)).json()) as { symbols: { symbol: string }[] };
    const l2Paths = tickers.symbols.slice(0, L2_SYMBOLS).map((s) => `/api/v1/market/prices/${encodeURIComponent(s.symbol)}`);
    for (const path of l2Paths) await fetch(`${l2.url}${path}`);
    await expectHeader(`${l2.url}${l2Paths[1]}`, 'x-cache', 'HIT-L2');
    for (const server of [app, quiet]) await fetch(`${server.url}${PATH}`);
    const primed = await expectHeader(`${app.url}${PATH}`, 'x-cache', 'HIT-L1');
    const body = await primed.text();
    const headers = Object.fromEntries(SAME_HEADERS.map((h) => [h, primed.headers.get(h) ?? '']));

    const bare = await start('bare Fastify, same bytes', 'bench/throughput.bench.ts', { BENCH_RESPONSE: JSON.stringify({ headers, body }) }, PATH, ['--bare']);
    const { spawnNestCacheManagerPeer } = await import('./peers/nest-cache-manager.app');
    const peer = async (label: string, options: Parameters<typeof spawnNestCacheManagerPeer>[0]) => {
      const server = { ...(await spawnNestCacheManagerPeer(options)), label };
      servers.push(server);
      await fetch(`${server.url}${PEER_PATH}`);
      const same = await (await fetch(`${server.url}${PEER_PATH}`)).text();
      if (same !== body) throw new Error(`${label} answers other bytes than the service`);
      return server;
    };
    const peerMemory = await peer('@nestjs/cache-manager CacheInterceptor, memory store, same bytes', { store: 'memory', body, ttlMs: 3_600_000 });
    const peerRedis = await peer('@nestjs/cache-manager CacheInterceptor, Redis store (Keyv), same bytes', { store: 'redis', redisUrl: redis.url, body, ttlMs: 3_600_000 });

    const targets: Target[] = [
      { server: bare, paths: [PATH], runs: [] },
      { server: app, paths: [PATH], runs: [] },
      { server: quiet, paths: [PATH], runs: [] },
      { server: peerMemory, paths: [PEER_PATH], runs: [] },
      { server: peerRedis, paths: [PEER_PATH], runs: [] },
      { server: l2, paths: l2Paths, runs: [] },
    ];
    pinLoadGenerator();
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of targets) {
        await load(target.server, target.paths, WARMUP_SECONDS, CONNECTIONS);
        const run = await load(target.server, target.paths, SECONDS, CONNECTIONS);
        target.runs.push(run);
        console.log(`round ${round + 1} ${target.server.label}: ${run.rps.toFixed(0)} req/s, ${run.perCpuSecond.toFixed(0)} per CPU second`);
      }
    }
    await expectHeader(`${app.url}${PATH}`, 'x-cache', 'HIT-L1');

    for (const path of SIZED) await fetch(`${app.url}${path}`);
    await new Promise((r) => setTimeout(r, 300));
    const sizes = await valueSizes(redis.url, prefix);

    const of = (t: Target, pick: (m: LoadResult) => number) => median(t.runs.map(pick));
    const perCpu = (t: Target) => of(t, (m) => m.perCpuSecond);
    const row = (t: Target) => [
      t.server.label,
      perCpu(t).toFixed(0),
      ratio(perCpu(t), perCpu(targets[0])),
      t.runs.map((m) => m.rps.toFixed(0)).join(' / '),
      of(t, (m) => m.cpuShare).toFixed(2),
      of(t, (m) => m.p50),
      of(t, (m) => m.p99),
      t.runs.reduce((sum, m) => sum + m.failed, 0),
    ];
    const [bareT, appT, quietT, memoryT, redisT, l2T] = targets;
    const text = [
      `\`GET ${PATH}\` answered from L1 (${body.length} bytes of body); the peers and the bare server answer the same bytes; the L2 row requests the prices of ${L2_SYMBOLS} symbols at random, each from Redis. autocannon, ${CONNECTIONS} connections, ${SECONDS} s per run after a ${WARMUP_SECONDS} s warm-up; ${ROUNDS} rounds, each running the servers in turn (medians shown).`,
      PINNED ? 'Servers on CPU 0 (`taskset -c 0`), load generator on CPU 1: one CPU per replica, like the Deployment\'s `limits.cpu: "1"`.' : 'Not pinned (no `taskset` or a single CPU): servers and load generator share the CPUs.',
      'Service: `NODE_ENV=production`, log level info (one JSON access-log line per request, to /dev/null), a private redis-server as L2; boot warmup, cron warmup and refresh-ahead off. Fresh L1 hits are answered by the HTTP cache fast path (an `onRequest` hook, before Nest\'s middleware, guards and interceptors).',
      '**req per CPU-s** = 2xx responses ÷ CPU seconds the server process used (from /proc): the capacity of one fully available core, which the shared machine rarely gives (see the CPU-s/s column). Wall-clock req/s are shown per run.',
      '',
      table(['server', 'req per CPU-s', 'vs bare', 'req/s (wall) per run', 'CPU-s/s used', 'p50 ms', 'p99 ms', 'errors + non-2xx'], targets.map(row)),
      '',
      `Per CPU second: service / bare ${ratio(perCpu(appT), perCpu(bareT))} (without access logs ${ratio(perCpu(quietT), perCpu(bareT))}); service / CacheInterceptor over memory ${(perCpu(appT) / perCpu(memoryT)).toFixed(2)}x, over Redis ${(perCpu(appT) / perCpu(redisT)).toFixed(2)}x; an L2 hit costs ${(perCpu(appT) / perCpu(l2T)).toFixed(1)}x the CPU of an L1 hit.`,
      '',
      'Cached values in Redis after one request each to routes of the common policies (AAPL, synthetic provider): `…:http:…` are whole HTTP responses, the others service-level values. MEMORY USAGE includes the key and Redis\'s overhead.',
      '',
      table(['key (under the prefix)', 'value bytes', 'Redis MEMORY USAGE bytes'], sizes),
      '',
      environment(),
    ].join('\n');
    console.log(text);
    writeSection('Throughput', text);
    const share = perCpu(appT) / perCpu(bareT);
    recordTargets('throughput', [
      {
        scenario: 'cached GET from L1 (~1 KB JSON), per CPU second',
        comparedWith: 'bare Fastify, same bytes, same run',
        target: '≥ 0.8x (aim 0.9x)',
        measured: `${share.toFixed(2)}x (${perCpu(appT).toFixed(0)} vs ${perCpu(bareT).toFixed(0)} req/CPU-s); ${(perCpu(quietT) / perCpu(bareT)).toFixed(2)}x without access logs`,
        met: share >= 0.8,
      },
      {
        scenario: 'same route',
        comparedWith: '@nestjs/cache-manager CacheInterceptor, memory / Redis store',
        target: 'clearly ahead',
        measured: `${(perCpu(appT) / perCpu(memoryT)).toFixed(2)}x / ${(perCpu(appT) / perCpu(redisT)).toFixed(2)}x its req/CPU-s (it: ${(perCpu(memoryT) / perCpu(bareT)).toFixed(2)}x / ${(perCpu(redisT) / perCpu(bareT)).toFixed(2)}x of bare)`,
        met: perCpu(appT) > 1.2 * perCpu(memoryT) && perCpu(appT) > 1.2 * perCpu(redisT),
      },
    ]);
  } finally {
    await Promise.all(servers.map((server) => server.close()));
    await redis.stop();
  }
}

/** The bare server: one route answering the recorded response, nothing else (no Nest, no hooks). */
async function serveBare(port: number): Promise<void> {
  const { fastify } = await import('fastify');
  const { headers, body } = JSON.parse(process.env.BENCH_RESPONSE ?? '{}') as { headers: Record<string, string>; body: string };
  const server = fastify({ logger: false });
  server.get(PATH.split('?')[0], (_request, reply) => reply.headers(headers).send(body));
  await server.listen({ port, host: '127.0.0.1' });
}

(process.argv.includes('--bare') ? serveBare(Number(process.env.PORT)) : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
