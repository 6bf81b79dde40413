/**
 * Cache warmup rate: the sp500's first 100 symbols × prices, history, indicators, scores on the
 * synthetic provider, cold (L1 only, and with a private Redis), at concurrency 4 (the default) and
 * 16, then a second replica warming from Redis. Prints a table; `npm run bench:warmup`.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { MarketDataService } from '../src/market-data/market-data.service';
import { LimitedMarketDataProvider } from '../src/market-data/providers/limited.provider';
import { CacheWarmerService } from '../src/warmup/cache-warmer.service';
import type { WarmupProgress } from '../src/warmup/warmup-run';
import { RedisServer } from '../test/support/redis-server';
import { bootBenchApp } from './bench-app';
import { environment, table } from './report';

const SYMBOLS = 100;
const POLICIES = ['prices', 'history', 'indicators', 'scores'] as const;

async function warm(app: NestFastifyApplication, symbols: string[]): Promise<{ progress: WarmupProgress; upstreamCalls: number }> {
  const upstream = app.get(LimitedMarketDataProvider);
  const before = upstream.stats().calls;
  const { run } = app.get(CacheWarmerService).start({ symbols, policies: [...POLICIES] }, 'api');
  // Progress on stderr; the interval also keeps the process alive while the run waits on unref'd
  // timers only (no server is listening here).
  const ticker = setInterval(() => process.stderr.write(`  ${run.snapshot().done}/${run.snapshot().total}\n`), 1000);
  await run.finished;
  clearInterval(ticker);
  return { progress: run.snapshot(), upstreamCalls: upstream.stats().calls - before };
}

async function main(): Promise<void> {
  const redis = await RedisServer.start();
  const rows: (string | number)[][] = [];
  const record = (label: string, r: { progress: WarmupProgress; upstreamCalls: number }) =>
    rows.push([label, r.progress.symbols, r.progress.total, r.progress.elapsedMs, r.progress.symbolsPerSecond, r.progress.rate, r.progress.failed, r.upstreamCalls]);
  try {
    for (const concurrency of ['4', '16']) {
      const memory = await bootBenchApp({ REDIS_ENABLED: 'false', WARMUP_CONCURRENCY: concurrency });
      const symbols = (await memory.get(MarketDataService).listSymbols('sp500')).slice(0, SYMBOLS).map((s) => s.symbol);
      record(`cold, memory only, concurrency ${concurrency}`, await warm(memory, symbols));
      record(`again (all L1 hits), concurrency ${concurrency}`, await warm(memory, symbols));
      await memory.close();

      const prefix = `benchwarm${Date.now()}:`;
      const env = { REDIS_URL: redis.url, REDIS_PREFIX: prefix, WARMUP_CONCURRENCY: concurrency };
      const first = await bootBenchApp(env);
      await new Promise((r) => setTimeout(r, 300));
      record(`cold, with Redis, concurrency ${concurrency}`, await warm(first, symbols));
      const second = await bootBenchApp(env);
      await new Promise((r) => setTimeout(r, 300));
      record(`second replica (L2 hits), concurrency ${concurrency}`, await warm(second, symbols));
      await Promise.all([first.close(), second.close()]);
    }
  } finally {
    await redis.stop();
  }
  console.log(environment());
  console.log(table(['run', 'symbols', 'tasks', 'ms', 'symbols/s', 'tasks/s', 'failed', 'upstream calls'], rows));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
