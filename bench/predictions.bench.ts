/**
 * p50 latency of one prediction over HTTP, cached vs uncached, on the synthetic provider with a
 * private redis-server (one replica, L1 + L2). `npm run bench:predictions`; writes the
 * "Predictions" section of docs/BENCHMARKS.md.
 *   - uncached, cold: nothing cached (history generated, features, model, cache writes)
 *   - uncached, history warm: the 2-year history is cached, the prediction is not
 *   - cached: the same GET again (the HTTP response from L1)
 */
import { RedisServer } from '../test/support/redis-server';
import { listenBenchApp } from './bench-app';
import { environment, table, writeSection } from './report';

const SYMBOLS_PER_RUN = 200;
const CACHED_ROUNDS = 5;
const WARMUP_REQUESTS = 50;

interface Sample {
  ms: number;
  xCache: string;
}

async function timedGet(url: string): Promise<Sample> {
  const started = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  const ms = performance.now() - started;
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return { ms, xCache: response.headers.get('x-cache') ?? '-' };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
}

/** Sequential requests (one in flight), so each figure is a latency, not a throughput effect. */
async function run(urls: string[]): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const url of urls) samples.push(await timedGet(url));
  return samples;
}

async function main(): Promise<void> {
  const redis = await RedisServer.start();
  const { app, url } = await listenBenchApp({ REDIS_ENABLED: 'true', REDIS_URL: redis.url, REDIS_PREFIX: `benchpred${Date.now()}:` });
  try {
    const tickers = (await (await fetch(`${url}/api/v1/market/tickers?market=all`)).json()) as { symbols: { symbol: string }[] };
    const symbols = tickers.symbols.map((t) => t.symbol);
    if (symbols.length < 2 * SYMBOLS_PER_RUN + WARMUP_REQUESTS) throw new Error(`universe too small: ${symbols.length}`);
    const prediction = (symbol: string) => `${url}/api/v1/predictions/${encodeURIComponent(symbol)}`;
    const warm = symbols.slice(0, WARMUP_REQUESTS);
    const cold = symbols.slice(WARMUP_REQUESTS, WARMUP_REQUESTS + SYMBOLS_PER_RUN);
    const historyWarm = symbols.slice(WARMUP_REQUESTS + SYMBOLS_PER_RUN, WARMUP_REQUESTS + 2 * SYMBOLS_PER_RUN);

    // JIT and connection warm-up, not measured.
    await run(warm.map(prediction));
    await run(warm.map(prediction));

    const runs: Record<string, Sample[]> = {};
    runs['uncached, cold'] = await run(cold.map(prediction));
    await run(historyWarm.map((s) => `${url}/api/v1/market/history/${encodeURIComponent(s)}?interval=1d&period=2y`));
    runs['uncached, history warm'] = await run(historyWarm.map(prediction));
    runs.cached = await run(Array.from({ length: CACHED_ROUNDS }, () => cold.map(prediction)).flat());

    const rows = Object.entries(runs).map(([name, samples]) => {
      const ms = samples.map((s) => s.ms);
      const sources = [...new Set(samples.map((s) => s.xCache))].join(', ');
      return [name, samples.length, sources, percentile(ms, 0.5).toFixed(2), percentile(ms, 0.95).toFixed(2)];
    });
    const p50 = (name: string) => percentile(runs[name].map((s) => s.ms), 0.5);
    const ratioCold = p50('uncached, cold') / p50('cached');
    const ratioWarm = p50('uncached, history warm') / p50('cached');
    const body = [
      `GET /api/v1/predictions/{symbol} over HTTP (fetch, one request in flight), synthetic provider, one replica with a private redis-server. ${SYMBOLS_PER_RUN} distinct symbols per uncached run; the cached run repeats the cold run's symbols ${CACHED_ROUNDS} times.`,
      '',
      table(['run', 'requests', 'X-Cache', 'p50 ms', 'p95 ms'], rows),
      '',
      `Uncached / cached p50: ${ratioCold.toFixed(1)}x cold, ${ratioWarm.toFixed(1)}x with the history already cached.`,
      '',
      environment(),
    ].join('\n');
    writeSection('Predictions', body);
    process.stdout.write(`${body}\n`);
  } finally {
    await app.close();
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
