/**
 * A bounded soak: the service in a child process (as `npm start` runs it) against a private
 * `redis-server` that is killed and restarted a few times, under mixed closed-loop HTTP traffic.
 * Checks, from outside the process: no answer beyond the documented degraded ones (200, 200
 * `X-Cache: STALE`, 404 for the unknown symbols we ask for on purpose), no error log line, heap
 * and RSS (less what L1 holds, which is bounded) not growing after warm-up, no more handles or
 * sockets at the end than after boot, and as many Redis clients as before the first restart.
 * Not part of CI or Jest.
 *
 * `npm run soak -- --seconds 180 --concurrency 16 --restarts 3`; exits 1 when a check fails.
 */
import { Command } from 'commander';
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../test/support/free-port';
import { median, quantile } from '../test/support/latency';
import { pollUntil, redisCli } from '../test/support/redis-cli';
import { RedisServer } from '../test/support/redis-server';

const ROOT = join(__dirname, '..');
// Memory is read every second; its floor per stretch (right after a GC) is what may not grow.
const SAMPLE_EVERY_MS = 1000;
const PRINT_EVERY_SAMPLES = 10;
const REDIS_DOWN_MS = 3000;
/** Heap and RSS floors of the last third of the steady phase against its first third. */
const MAX_HEAP_GROWTH = 0.2;
const MAX_RSS_GROWTH = 0.2;

const options = new Command()
  .option('--seconds <n>', 'length of the soak', '180')
  .option('--concurrency <n>', 'requests in flight', '16')
  .option('--restarts <n>', 'Redis kill + restart cycles after warm-up', '3')
  .parse()
  .opts<{ seconds: string; concurrency: string; restarts: string }>();
const SECONDS = Number(options.seconds);
const CONCURRENCY = Number(options.concurrency);
const RESTARTS = Number(options.restarts);
// L1 filling up to its bounds and V8 sizing its heap take about a minute at a few thousand req/s.
const WARMUP_MS = Math.min(60_000, (SECONDS * 1000) / 3);

interface ProcessSample {
  at: number;
  heapMb: number;
  rssMb: number;
  /** L1's values are Buffers outside the JS heap: RSS grows as L1 fills towards its bounds, by design. */
  l1Mb: number;
  handles: number;
  sockets: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const floor = (values: number[]) => Math.min(...values);

/** Mixed traffic: mostly quotes over 500 symbols, some heavier routes, some unknown symbols (404 by design). */
function pathOf(n: number, symbols: readonly string[]): string {
  const symbol = symbols[(n * 7919) % symbols.length];
  const kind = n % 20;
  if (kind < 13) return `/api/v1/market/prices/${symbol}`;
  if (kind < 15) return `/api/v1/market/history/${symbol}?period=6mo`;
  if (kind < 17) return `/api/v1/indicators/${symbol}?names=rsi14,sma20`;
  if (kind < 18) return `/api/v1/scores/${symbol}?horizon=medium`;
  if (kind < 19) return `/api/v1/market/prices?symbols=${symbols.slice(n % 400, (n % 400) + 20).join(',')}`;
  return `/api/v1/market/prices/ZZ${n % 1000}`;
}

class Traffic {
  readonly statuses = new Map<string, number>();
  private latencies: number[] = [];
  private stopped = false;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  private done?: Promise<void[]>;

  constructor(
    private readonly baseUrl: string,
    private readonly symbols: readonly string[],
  ) {}

  start(): void {
    let n = 0;
    const worker = async () => {
      while (!this.stopped) {
        const path = pathOf(n++, this.symbols);
        const started = performance.now();
        const outcome = await get(this.agent, this.baseUrl + path);
        this.latencies.push(performance.now() - started);
        const expected404 = path.includes('/ZZ');
        const label = outcome.status === 404 && expected404 ? '404 (unknown symbol)' : outcome.stale ? `${outcome.status} STALE` : String(outcome.status);
        this.statuses.set(label, (this.statuses.get(label) ?? 0) + 1);
      }
    };
    this.done = Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }

  /** p99 of the requests since the last call (one sampling window), then forgets them. */
  takeWindow(): { requests: number; p99Ms: number } {
    const window = this.latencies;
    this.latencies = [];
    return { requests: window.length, p99Ms: window.length ? Math.round(quantile(window, 0.99)) : 0 };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
    this.agent.destroy();
  }

  get errors(): number {
    return [...this.statuses].filter(([label]) => !/^(200|404 \(unknown symbol\))/.test(label)).reduce((sum, [, count]) => sum + count, 0);
  }
}

function get(agent: Agent, url: string): Promise<{ status: number; stale: boolean }> {
  return new Promise((resolve) => {
    const req = request(url, { agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, stale: res.headers['x-cache'] === 'STALE' }));
      res.on('error', () => resolve({ status: 0, stale: false }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, stale: false }));
    req.end();
  });
}

/** The service as `npm start` would run it, with its JSON logs read line by line. */
function startService(port: number, redisUrl: string, logLines: { error: string[]; warnings: number }): ChildProcess {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: redisUrl,
      REDIS_PREFIX: 'soak:',
      LOG_LEVEL: 'warn',
      WARMUP_ON_BOOT: 'false',
      WARMUP_CRON: 'off',
      DISK_CACHE_ENABLED: 'false',
      // The soak's load generator is anonymous: let it compute, unmetered (docs/SECURITY.md).
      AUTH_ANONYMOUS_SCOPES: 'read,compute,alerts',
      CALLER_COMPUTE_PER_MINUTE: '0',
      // Short breaker window so each restart's recovery is seen within the soak.
      CACHE_BREAKER_OPEN_MS: '1000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const level = /"level":(\d+)/.exec(line)?.[1];
    if (Number(level) >= 50) logLines.error.push(line);
    else if (Number(level) === 40) logLines.warnings++;
  });
  // Node's own warnings (MaxListenersExceededWarning is the leak we look for) come on stderr.
  createInterface({ input: child.stderr! }).on('line', (line) => logLines.error.push(`stderr: ${line}`));
  return child;
}

async function metric(baseUrl: string): Promise<ProcessSample> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const value = (name: string, labels = '') => Number(new RegExp(`^${name}${labels.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    at: Date.now(),
    heapMb: Math.round((value('nodejs_heap_size_used_bytes') / 2 ** 20) * 10) / 10,
    rssMb: Math.round((value('process_resident_memory_bytes') / 2 ** 20) * 10) / 10,
    l1Mb: Math.round((value('mc_cache_l1_bytes') / 2 ** 20) * 10) / 10,
    handles: value('nodejs_active_handles_total'),
    sockets: value('nodejs_active_handles', '{type="Socket"}'),
  };
}

async function onRedis(baseUrl: string): Promise<boolean> {
  const health = (await (await fetch(`${baseUrl}/health`)).json()) as { details: { cache: { backend: string } } };
  return health.details.cache.backend === 'redis';
}

async function redisClients(port: number): Promise<number> {
  const list = await redisCli(port, ['client', 'list']);
  // Minus the redis-cli asking.
  return list.trim().split('\n').filter((line) => !line.includes('cmd=client|list')).length;
}

async function main(): Promise<void> {
  const redis = await RedisServer.start();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const logs = { error: [] as string[], warnings: 0 };
  const service = startService(port, redis.url, logs);
  const failures: string[] = [];
  try {
    await pollUntil('service up on Redis', () => onRedis(baseUrl), 60_000, 200);
    const tickers = (await (await fetch(`${baseUrl}/api/v1/market/tickers?market=sp500`)).json()) as { symbols: { symbol: string }[] };
    const symbols = tickers.symbols.slice(0, 500).map((s) => s.symbol);
    const atBoot = await metric(baseUrl);
    const clientsAtBoot = await redisClients(redis.port);
    console.log(`soak: ${SECONDS} s, ${CONCURRENCY} in flight, ${RESTARTS} Redis restarts; boot: ${JSON.stringify(atBoot)}, Redis clients ${clientsAtBoot}`);

    const traffic = new Traffic(baseUrl, symbols);
    const started = Date.now();
    traffic.start();
    const samples: ProcessSample[] = [];
    const windows: { requests: number; p99Ms: number }[] = [];
    const sampler = setInterval(() => {
      void metric(baseUrl).then((sample) => {
        samples.push(sample);
        if (samples.length % PRINT_EVERY_SAMPLES !== 0) return;
        const row = { ...sample, ...traffic.takeWindow() };
        windows.push(row);
        console.log(`  t=${Math.round((row.at - started) / 1000)}s heap ${row.heapMb} MB rss ${row.rssMb} MB l1 ${row.l1Mb} MB handles ${row.handles} sockets ${row.sockets} req ${row.requests} p99 ${row.p99Ms} ms`);
      });
    }, SAMPLE_EVERY_MS);

    const recoveries: number[] = [];
    const faultSpan = SECONDS * 1000 - WARMUP_MS;
    for (let i = 0; i < RESTARTS; i++) {
      await sleep(Math.max(0, started + WARMUP_MS + ((i + 0.5) * faultSpan) / RESTARTS - REDIS_DOWN_MS / 2 - Date.now()));
      await redis.kill();
      await sleep(REDIS_DOWN_MS);
      const back = Date.now();
      await redis.restart();
      await pollUntil('back on Redis', () => onRedis(baseUrl), 30_000, 50);
      recoveries.push(Date.now() - back);
      console.log(`  restart ${i + 1}: back on Redis ${recoveries.at(-1)} ms after redis-server was`);
    }
    await sleep(Math.max(0, started + SECONDS * 1000 - Date.now()));
    clearInterval(sampler);
    await traffic.stop();
    await sleep(3000);
    const atEnd = await metric(baseUrl);
    const clientsAtEnd = await redisClients(redis.port);

    const steady = samples.filter((s) => s.at - started >= WARMUP_MS);
    const third = Math.max(1, Math.floor(steady.length / 3));
    const first = steady.slice(0, third);
    const last = steady.slice(-third);
    const heapGrowth = floor(last.map((s) => s.heapMb)) / floor(first.map((s) => s.heapMb)) - 1;
    // RSS beyond what L1 holds: L1 fills until its bounds or TTLs (5 min for quotes, longer than a short soak).
    const rssGrowth = floor(last.map((s) => s.rssMb - s.l1Mb)) / floor(first.map((s) => s.rssMb - s.l1Mb)) - 1;
    const requests = [...traffic.statuses.values()].reduce((a, b) => a + b, 0);
    const summary = {
      seconds: SECONDS,
      requests,
      reqPerSecond: Math.round(requests / SECONDS),
      answers: Object.fromEntries(traffic.statuses),
      errors: traffic.errors,
      errorLogLines: logs.error.length,
      errorLogSample: logs.error.slice(0, 3).map((line) => line.slice(0, 300)),
      warnLogLines: logs.warnings,
      p99MsPer10s: { median: median(windows.map((s) => s.p99Ms)), max: Math.max(...windows.map((s) => s.p99Ms)) },
      recoveryMs: recoveries,
      heapFloorMb: { afterWarmup: floor(first.map((s) => s.heapMb)), end: floor(last.map((s) => s.heapMb)), growthPercent: Math.round(heapGrowth * 1000) / 10 },
      rssFloorMb: { afterWarmup: floor(first.map((s) => s.rssMb)), end: floor(last.map((s) => s.rssMb)) },
      l1Mb: { afterWarmup: first[0]?.l1Mb, end: last.at(-1)?.l1Mb },
      rssLessL1FloorMb: {
        afterWarmup: Math.round(floor(first.map((s) => s.rssMb - s.l1Mb)) * 10) / 10,
        end: Math.round(floor(last.map((s) => s.rssMb - s.l1Mb)) * 10) / 10,
        growthPercent: Math.round(rssGrowth * 1000) / 10,
      },
      handles: { boot: atBoot.handles, end: atEnd.handles },
      sockets: { boot: atBoot.sockets, end: atEnd.sockets },
      redisClients: { boot: clientsAtBoot, end: clientsAtEnd },
    };
    console.log(`soak summary: ${JSON.stringify(summary, null, 2)}`);

    if (summary.errors > 0) failures.push(`${summary.errors} answers beyond the documented degraded ones`);
    if (logs.error.length > 0) failures.push(`error log lines:\n${logs.error.slice(0, 5).join('\n')}`);
    if (heapGrowth > MAX_HEAP_GROWTH) failures.push(`heap floor grew ${summary.heapFloorMb.growthPercent} % after warm-up`);
    if (rssGrowth > MAX_RSS_GROWTH) failures.push(`RSS less L1 grew ${summary.rssLessL1FloorMb.growthPercent} % after warm-up`);
    if (atEnd.handles > atBoot.handles) failures.push(`handles: ${atBoot.handles} at boot, ${atEnd.handles} at the end`);
    if (atEnd.sockets > atBoot.sockets) failures.push(`sockets: ${atBoot.sockets} at boot, ${atEnd.sockets} at the end`);
    if (clientsAtEnd !== clientsAtBoot) failures.push(`Redis clients: ${clientsAtBoot} at boot, ${clientsAtEnd} at the end`);
  } finally {
    // The test redis-server child is unref'd: keep the loop alive until it is gone and cleaned up.
    const keepAlive = setInterval(() => undefined, 1000);
    service.kill('SIGTERM');
    await new Promise((r) => service.once('exit', r));
    await redis.stop();
    clearInterval(keepAlive);
  }
  if (failures.length > 0) {
    console.error(`soak FAILED:\n- ${failures.join('\n- ')}`);
    process.exitCode = 1;
  } else console.log('soak passed');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
