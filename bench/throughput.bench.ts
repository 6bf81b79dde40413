/**
 * Per-replica throughput of a cached GET (`/api/v1/market/prices/AAPL`, an L1 hit) on one app
 * instance in production mode (NODE_ENV=production, log level info, access logs on), next to a bare
 * Fastify server answering the same bytes and to the service without access logs, in the same run
 * for ratios. Server on CPU 0 and autocannon (50 connections, 10 s per run, after a 3 s warm-up) on
 * CPU 1 when `taskset` and two CPUs exist. On a shared machine the server rarely gets its whole CPU,
 * so requests per CPU second of the server process (from /proc) are reported next to wall-clock
 * req/s. Also the sizes of typical cached values in Redis (for docs/SCALING.md).
 * `npm run bench:throughput`; writes the "Throughput" section of docs/BENCHMARKS.md.
 */
import autocannon from 'autocannon';
import { createClient } from '@redis/client';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/support/free-port';
import { RedisServer } from '../test/support/redis-server';
import { environment, table, writeSection } from './report';

const ROOT = join(__dirname, '..');
const PATH = '/api/v1/market/prices/AAPL';
const CONNECTIONS = 50;
const SECONDS = 10;
const WARMUP_SECONDS = 3;
const ROUNDS = 3;
/** Symbols the L2-hit run spreads its requests over, so that concurrent requests rarely share one Redis GET. */
const L2_SYMBOLS = 500;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
/** Routes whose cached values are sized in Redis: one per common policy. */
const SIZED = [
  PATH,
  '/api/v1/market/history/AAPL?interval=1d&period=1y',
  '/api/v1/market/info/AAPL',
  '/api/v1/indicators/AAPL?names=rsi14,sma20,ema50,macd,bbands20,atr14',
  '/api/v1/scores/AAPL?horizon=medium',
];
const PINNED = cpus().length >= 2 && hasTaskset();
// Response headers the bare server repeats (the ones that do not change per request).
const SAME_HEADERS = ['content-type', 'x-cache', 'cache-control', 'etag'];

interface Measured {
  /** Requests per wall-clock second (depends on how much CPU the shared machine left the server). */
  rps: number;
  /** 2xx responses per CPU second the server used: its capacity per core, contention aside. */
  perCpuSecond: number;
  /** CPU seconds the server used per wall second (1 = one core busy throughout). */
  cpuShare: number;
  p50: number;
  p99: number;
  failed: number;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A Node child running `script` with ts-node, on CPU 0 when pinning; its logs go to /dev/null. */
function serve(args: string[], env: Record<string, string>): ChildProcess {
  const node = [process.execPath, '-r', 'ts-node/register/transpile-only', ...args];
  const [command, ...rest] = PINNED ? ['taskset', '-c', '0', ...node] : node;
  return spawn(command, rest, { cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function waitForOk(url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not answering 200 within ${timeoutMs} ms`);
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat(5); `fields` starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** One autocannon run against a server; also what it cost the server in CPU time. */
async function load(target: Target, seconds: number): Promise<Measured> {
  const cpuBefore = cpuSeconds(target.pid);
  const paths = target.paths;
  const result = await autocannon({
    url: `${target.url}${paths[0]}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: paths[Math.floor(Math.random() * paths.length)] }) }],
  });
  const cpu = cpuSeconds(target.pid) - cpuBefore;
  return {
    rps: result.requests.average,
    perCpuSecond: result['2xx'] / cpu,
    cpuShare: cpu / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.non2xx + result.errors,
  };
}

interface Target {
  label: string;
  url: string;
  pid: number;
  /** Paths requested at random. */
  paths: string[];
  runs: Measured[];
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
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

async function main(): Promise<void> {
  const redis = await RedisServer.start();
  const children: ChildProcess[] = [];
  try {
    const prefix = `tput${Date.now()}:`;
    const start = async (label: string, args: string[], env: Record<string, string>, ready: string): Promise<Target> => {
      const port = await freePort();
      const child = serve(args, { PORT: String(port), ...env });
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      await waitForOk(`${url}${ready}`);
      return { label, url, pid: child.pid as number, paths: [PATH], runs: [] };
    };
    // Nothing in the background during the runs: no boot or cron warmup, no refresh-ahead.
    const service = { NODE_ENV: 'production', HOST: '127.0.0.1', REDIS_URL: redis.url, REDIS_PREFIX: prefix, WARMUP_ON_BOOT: 'false', WARMUP_CRON: 'off', REFRESH_AHEAD_INTERVAL_MS: '0' };
    const app = await start('service, `X-Cache: HIT-L1`, log level info', ['src/main.ts'], service, '/health/ready');
    // The same service without access logs, to show what they cost.
    const quiet = await start('service, `X-Cache: HIT-L1`, LOG_LEVEL=warn (no access log)', ['src/main.ts'], { ...service, LOG_LEVEL: 'warn' }, '/health/ready');
    // Values above 64 bytes skip L1: every request is an L2 hit (one Redis GET), as on a replica whose
    // L1 is cold or too small. Spread over 500 symbols, cached in Redis first.
    const l2 = await start(`service, \`X-Cache: HIT-L2\` (L1 bypassed, ${L2_SYMBOLS} symbols), log level info`, ['src/main.ts'], { ...service, CACHE_L1_MAX_ENTRY_BYTES: '64' }, '/health/ready');
    const tickers = (await (await fetch(`${l2.url}/api/v1/market/tickers?market=sp500`)).json()) as { symbols: { symbol: string }[] };
    l2.paths = tickers.symbols.slice(0, L2_SYMBOLS).map((s) => `/api/v1/market/prices/${encodeURIComponent(s.symbol)}`);
    for (const path of l2.paths) await fetch(`${l2.url}${path}`);
    for (const target of [app, quiet]) await fetch(`${target.url}${PATH}`);
    const fromL2 = await fetch(`${l2.url}${l2.paths[1]}`);
    if (fromL2.headers.get('x-cache') !== 'HIT-L2') throw new Error(`expected an L2 hit, got ${fromL2.headers.get('x-cache')}`);
    const primed = await fetch(`${app.url}${PATH}`);
    if (primed.headers.get('x-cache') !== 'HIT-L1') throw new Error(`expected an L1 hit, got ${primed.headers.get('x-cache')}`);
    const body = await primed.text();
    const headers = Object.fromEntries(SAME_HEADERS.map((h) => [h, primed.headers.get(h) ?? '']));
    const bare = await start('bare Fastify, same bytes', ['bench/throughput.bench.ts', '--bare'], { BENCH_RESPONSE: JSON.stringify({ headers, body }) }, PATH);

    // The load generator on the other CPU (all of this process's threads).
    if (PINNED) execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of [bare, app, quiet, l2]) {
        await load(target, WARMUP_SECONDS);
        const run = await load(target, SECONDS);
        target.runs.push(run);
        console.log(`round ${round + 1} ${target.label}: ${run.rps.toFixed(0)} req/s, ${run.perCpuSecond.toFixed(0)} per CPU second`);
      }
    }
    const still = await fetch(`${app.url}${PATH}`);
    if (still.headers.get('x-cache') !== 'HIT-L1') throw new Error('the measured route stopped being an L1 hit');

    for (const path of SIZED) await fetch(`${app.url}${path}`);
    await new Promise((r) => setTimeout(r, 300));
    const sizes = await valueSizes(redis.url, prefix);

    const of = (t: Target, pick: (m: Measured) => number) => median(t.runs.map(pick));
    const row = (t: Target) => [
      t.label,
      of(t, (m) => m.perCpuSecond).toFixed(0),
      t.runs.map((m) => m.rps.toFixed(0)).join(' / '),
      of(t, (m) => m.cpuShare).toFixed(2),
      of(t, (m) => m.p50),
      of(t, (m) => m.p99),
      t.runs.reduce((sum, m) => sum + m.failed, 0),
    ];
    const perCpu = (t: Target) => of(t, (m) => m.perCpuSecond);
    const text = [
      `\`GET ${PATH}\` answered from L1 (${body.length} bytes of body); the L2 row requests the prices of ${L2_SYMBOLS} symbols at random, each from Redis. autocannon, ${CONNECTIONS} connections, ${SECONDS} s per run after a ${WARMUP_SECONDS} s warm-up; ${ROUNDS} rounds, each running the four servers in turn (medians shown).`,
      PINNED ? 'Server on CPU 0 (`taskset -c 0`), load generator on CPU 1: one CPU per replica, like the Deployment\'s `limits.cpu: "1"`.' : 'Not pinned (no `taskset` or a single CPU): server and load generator share the CPUs.',
      'Service: `NODE_ENV=production`, log level info (one JSON access-log line per request, written to /dev/null), a private redis-server as L2; boot warmup, cron warmup and refresh-ahead off.',
      '**req per CPU-s** = 2xx responses ÷ CPU seconds the server process used (from /proc): the capacity of one fully available core, which the shared machine rarely gives (see the CPU-s/s column). Wall-clock req/s are shown per run.',
      '',
      table(['server', 'req per CPU-s', 'req/s (wall) per run', 'CPU-s/s used', 'p50 ms', 'p99 ms', 'errors + non-2xx'], [bare, app, quiet, l2].map(row)),
      '',
      `Service / bare, per CPU second: ${ratio(perCpu(app), perCpu(bare))}; without access logs ${ratio(perCpu(quiet), perCpu(bare))}; an L2 hit costs ${(perCpu(app) / perCpu(l2)).toFixed(1)}x the CPU of an L1 hit. Wall-clock medians, service / bare: ${ratio(of(app, (m) => m.rps), of(bare, (m) => m.rps))}.`,
      '',
      'Cached values in Redis after one request each to routes of the common policies (AAPL, synthetic provider): `…:http:…` are whole HTTP responses, the others service-level values. MEMORY USAGE includes the key and Redis\'s overhead.',
      '',
      table(['key (under the prefix)', 'value bytes', 'Redis MEMORY USAGE bytes'], sizes),
      '',
      environment(),
    ].join('\n');
    console.log(text);
    writeSection('Throughput', text);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await redis.stop();
  }
}

/** The bare server: one route answering the recorded response, nothing else (no Nest, no hooks). */
async function serveBare(port: number): Promise<void> {
  const { fastify } = await import('fastify');
  const { headers, body } = JSON.parse(process.env.BENCH_RESPONSE ?? '{}') as { headers: Record<string, string>; body: string };
  const server = fastify({ logger: false });
  server.get(PATH, (_request, reply) => reply.headers(headers).send(body));
  await server.listen({ port, host: '127.0.0.1' });
}

(process.argv.includes('--bare') ? serveBare(Number(process.env.PORT)) : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
