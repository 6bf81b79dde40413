/**
 * Memory with 5,000 symbols warm: the real service in its own process (`NODE_ENV=production`,
 * default cache bounds, synthetic provider with a 5,000-symbol universe, a private redis-server),
 * warmed through the admin API (`POST /api/v1/admin/cache/warmup`, every symbol, the default
 * policies), then each symbol's price and score requested once more over HTTP. Resident memory
 * from /proc/<pid>/status (VmRSS now, VmHWM peak) at boot, after the warmup and at the end, with
 * nothing forced (no GC call); L1 entries and bytes against their bounds from the admin stats.
 * With `BENCH_HEAP_SNAPSHOT=1`, diagnostics, labelled: the heap after a full GC (forced by a heap
 * snapshot on SIGWINCH, written under the OS temp dir and removed once analysed), to tell live
 * memory from garbage not yet collected, and who holds the live heap (bench/heap-attribution.ts).
 * `BENCH_SERVER_NODE_OPTIONS` is passed to the server as NODE_OPTIONS (e.g. `--max-old-space-size=192`).
 * `npm run bench:memory`; writes the "Memory" section of docs/BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer } from '../test/support/redis-server';
import { QUIET_BENCH_ENV } from './bench-app';
import type { HeapAttribution } from './heap-attribution';
import { memoryMb, startChildServer, type ChildServer } from './load-harness';
import { environment, recordTargets, table, writeSection } from './report';

const UNIVERSE = 5_000;
const RSS_LIMIT_MB = 300;
const ADMIN_KEY = 'memory-bench-admin-key';
const REQUEST_CONCURRENCY = 16;
const WARMUP_TIMEOUT_MS = 30 * 60_000;
const HEAP_SNAPSHOT = process.env.BENCH_HEAP_SNAPSHOT === '1';
const SERVER_NODE_OPTIONS = process.env.BENCH_SERVER_NODE_OPTIONS ?? '';

interface Snapshot {
  label: string;
  rssMb: number;
  peakMb: number;
  heapUsedMb: number;
  externalMb: number;
}

interface L1Stats {
  entries: number;
  bytes: number;
  maxEntries: number;
  maxBytes: number;
}

const mb = (bytes: number) => bytes / 1024 ** 2;

/** The service's own view of its heap, from the default Node metrics on /metrics. */
async function heapOf(url: string): Promise<{ heapUsedMb: number; externalMb: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  return { heapUsedMb: mb(value('nodejs_heap_size_used_bytes')), externalMb: mb(value('nodejs_external_memory_bytes')) };
}

async function snapshot(server: ChildServer, label: string): Promise<Snapshot> {
  const { rss, peak } = memoryMb(server.pid);
  return { label, rssMb: rss, peakMb: peak, ...(await heapOf(server.url)) };
}

async function admin<T>(server: ChildServer, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${server.url}${path}`, { ...init, headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json', ...init.headers } });
  const body = (await response.json()) as T;
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** Warms every symbol with the default policies and waits for the run to end. */
async function warmAll(server: ChildServer, symbols: string[]): Promise<{ status: string; total: number; failed: number; elapsedMs: number }> {
  const started = await admin<{ progress: string }>(server, '/api/v1/admin/cache/warmup', { method: 'POST', body: JSON.stringify({ symbols }) });
  const deadline = Date.now() + WARMUP_TIMEOUT_MS;
  for (;;) {
    await new Promise((r) => setTimeout(r, 2_000));
    const progress = await admin<{ status: string; done: number; total: number; failed: number; elapsedMs: number; rate: number }>(server, started.progress);
    process.stderr.write(`  warmup ${progress.done}/${progress.total} (${progress.rate} tasks/s), RSS ${memoryMb(server.pid).rss.toFixed(0)} MB\n`);
    if (progress.status !== 'running') return progress;
    if (Date.now() > deadline) throw new Error(`warmup still running after ${WARMUP_TIMEOUT_MS} ms`);
  }
}

/** GETs every path once, `REQUEST_CONCURRENCY` at a time; returns how many did not answer 200. */
async function requestAll(url: string, paths: string[]): Promise<number> {
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < paths.length) {
      const response = await fetch(`${url}${paths[next++]}`);
      await response.arrayBuffer();
      if (response.status !== 200) failed++;
    }
  };
  await Promise.all(Array.from({ length: REQUEST_CONCURRENCY }, worker));
  return failed;
}

// Not SIGUSR2: Nest's shutdown hooks take it as a stop signal. SIGWINCH is otherwise ignored.
/** Signals the server to write a heap snapshot (V8 runs a full GC first); resolves with its path once written. */
async function heapSnapshot(server: ChildServer, dir: string): Promise<string> {
  server.child.kill('SIGWINCH');
  let last = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1_000));
    if (server.child.exitCode !== null) throw new Error(`the server exited (${server.child.exitCode}) while writing its heap snapshot`);
    const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot'));
    if (!file) continue;
    const size = statSync(join(dir, file)).size;
    // Written in one go; done once it stops growing.
    if (size > 0 && size === last) return join(dir, file);
    last = size;
  }
}

/** Runs bench/heap-attribution.ts in its own Node with a heap large enough to parse the snapshot. */
function analyse(file: string): HeapAttribution {
  const args = ['--max-old-space-size=8192', '-r', 'ts-node/register/transpile-only', join(__dirname, 'heap-attribution.ts'), file];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 16 * 1024 ** 2 })) as HeapAttribution;
}

function heapText(heap: HeapAttribution, l1: L1Stats): string {
  const localTier = heap.owners.find((o) => o.owner === 'LocalTier')?.mb ?? 0;
  return [
    `Diagnostic, from the heap snapshot (${heap.totalMb.toFixed(0)} MB of live objects after the full GC): each object charged to the first owner on its shortest path from the GC roots (approximate retained sizes).`,
    '',
    table(['owner', 'MB'], heap.owners.filter((o) => o.mb >= 0.5).map((o) => [o.owner, o.mb.toFixed(1)])),
    '',
    `L1 counts ${mb(l1.bytes).toFixed(1)} MB; the objects it reaches come to ≈ ${localTier.toFixed(1)} MB. ${heap.l1EntriesWithValue} of its ${l1.entries} entries keep the decoded \`value\` beside the encoded \`bytes\` (uncounted), and the \`bytes\` sit on ${heap.l1BackingStoresMb.toFixed(1)} MB of ArrayBuffer backing stores.`,
  ].join('\n');
}

async function main(): Promise<void> {
  const redis = await RedisServer.start();
  const snapshotDir = HEAP_SNAPSHOT ? mkdtempSync(join(tmpdir(), 'mc-heap-')) : undefined;
  let server: ChildServer | undefined;
  let stopping = false;
  try {
    // The production artifact, as the Dockerfile runs it: `node dist/main.js` (no TypeScript compiler in memory).
    execFileSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build'], { cwd: join(__dirname, '..'), stdio: 'inherit' });
    server = await startChildServer('service', 'dist/main.js', {
      ...QUIET_BENCH_ENV,
      HOST: '127.0.0.1',
      REDIS_URL: redis.url,
      REDIS_PREFIX: `membench${Date.now()}:`,
      SYNTHETIC_UNIVERSE_SIZE: String(UNIVERSE),
      ADMIN_API_KEY: ADMIN_KEY,
      ADMIN_RATE_LIMIT_PER_MINUTE: '100000',
      NODE_OPTIONS: [SERVER_NODE_OPTIONS, snapshotDir ? `--heapsnapshot-signal=SIGWINCH --diagnostic-dir=${snapshotDir}` : ''].join(' ').trim(),
    }, '/health/ready');
    // A server that dies (e.g. out of heap under a NODE_OPTIONS cap) must fail the bench, loudly.
    const watched = server;
    watched.child.once('exit', (code, signal) => {
      if (stopping) return;
      console.error(`the server exited (${code ?? signal}) during the measurement`);
      void redis.stop().finally(() => process.exit(1));
    });
    // Settle after boot (lazy initialisations, the first metrics collection).
    await new Promise((r) => setTimeout(r, 3_000));
    const snapshots = [await snapshot(server, 'booted (ready, idle)')];

    const tickers = (await (await fetch(`${server.url}/api/v1/market/tickers?market=all`)).json()) as { symbols: { symbol: string }[] };
    const symbols = tickers.symbols.map((s) => s.symbol);
    if (symbols.length < UNIVERSE) throw new Error(`universe has ${symbols.length} symbols, expected ${UNIVERSE}`);

    const warm = await warmAll(server, symbols);
    snapshots.push(await snapshot(server, `after the warmup (${warm.total.toLocaleString('en-US')} tasks, ${(warm.elapsedMs / 1000).toFixed(0)} s)`));
    const paths = symbols.flatMap((s) => [`/api/v1/market/prices/${encodeURIComponent(s)}`, `/api/v1/scores/${encodeURIComponent(s)}`]);
    const started = performance.now();
    const failedRequests = await requestAll(server.url, paths);
    const requestSeconds = (performance.now() - started) / 1000;
    snapshots.push(await snapshot(server, `after one more price + score GET per symbol (${paths.length.toLocaleString('en-US')} requests)`));
    const stats = await admin<{ l1: L1Stats }>(server, '/api/v1/admin/cache/stats');
    const l1 = stats.l1;
    const last = snapshots[snapshots.length - 1];
    let heap: HeapAttribution | undefined;
    if (snapshotDir) {
      const file = await heapSnapshot(server, snapshotDir);
      snapshots.push(await snapshot(server, 'diagnostic: after a full GC (forced by a heap snapshot; RSS includes the snapshot writer)'));
      stopping = true;
      void server.close();
      heap = analyse(file);
      rmSync(snapshotDir, { recursive: true, force: true });
    }

    // Before any diagnostic snapshot (writing one takes memory of its own).
    const peak = Math.max(...snapshots.slice(0, 3).map((s) => s.peakMb));
    const l1Within = l1.entries <= l1.maxEntries && l1.bytes <= l1.maxBytes;
    const rows = snapshots.map((s) => [s.label, s.rssMb.toFixed(0), s.peakMb.toFixed(0), s.heapUsedMb.toFixed(0), s.externalMb.toFixed(0)]);
    const body = [
      `The service in its own process (ts-node, \`NODE_ENV=production\`, log level error, default cache bounds, boot/cron warmup and refresh-ahead off), synthetic provider with a ${UNIVERSE.toLocaleString('en-US')}-symbol universe, a private redis-server as L2. Warmed through \`POST /api/v1/admin/cache/warmup\` with all ${symbols.length.toLocaleString('en-US')} symbols and the default policies (status ${warm.status}, ${warm.failed} failed tasks), then a price and a score GET per symbol (${REQUEST_CONCURRENCY} in flight, ${requestSeconds.toFixed(0)} s, ${failedRequests} non-200). No GC forced: what a replica would hold.`,
      `RSS and its peak from /proc/<pid>/status (VmRSS, VmHWM); heap and external memory from the service's own /metrics (Node's default metrics). The process is the production build, \`nest build\` then \`node dist/main.js\`, as the Dockerfile runs it.${SERVER_NODE_OPTIONS ? ` Server NODE_OPTIONS: \`${SERVER_NODE_OPTIONS}\`.` : ''}`,
      '',
      table(['moment', 'RSS MB', 'peak RSS (VmHWM) MB', 'V8 heap used MB', 'external MB'], rows),
      '',
      table(['L1 (its own accounting: encoded bytes + a fixed overhead per entry)', 'entries', 'bytes'], [
        ['held', l1.entries, `${l1.bytes} (${mb(l1.bytes).toFixed(1)} MB)`],
        ['bound', l1.maxEntries, `${l1.maxBytes} (${mb(l1.maxBytes).toFixed(1)} MB)`],
      ]),
      ...(heap ? ['', heapText(heap, l1)] : []),
      '',
      `Target: RSS at most ${RSS_LIMIT_MB} MB with ${UNIVERSE.toLocaleString('en-US')} symbols warm: ${snapshots[1].rssMb.toFixed(0)} MB after the warmup, ${last.rssMb.toFixed(0)} MB at the end (peak during the run ${peak.toFixed(0)} MB); L1 within its bound: ${l1Within ? 'yes' : 'no'}.`,
      '',
      environment(),
    ].join('\n');
    console.log(body);
    writeSection('Memory', body);
    recordTargets('memory', [
      {
        scenario: 'memory with 5,000 symbols warm',
        comparedWith: '',
        target: `RSS at most ${RSS_LIMIT_MB} MB; L1 within its bound`,
        measured: `RSS ${snapshots[0].rssMb.toFixed(0)} MB booted, ${snapshots[1].rssMb.toFixed(0)} MB warm, ${last.rssMb.toFixed(0)} MB after re-reads, peak ${peak.toFixed(0)} MB; L1 ${l1.entries}/${l1.maxEntries} entries, ${mb(l1.bytes).toFixed(1)}/${mb(l1.maxBytes).toFixed(0)} MB`,
        met: Math.max(snapshots[1].rssMb, last.rssMb) <= RSS_LIMIT_MB && l1Within && warm.status === 'done' && failedRequests === 0,
      },
    ]);
  } finally {
    stopping = true;
    await server?.close();
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
