import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../src/bootstrap';

/** No background work (boot/cron warmups, refresh-ahead, disk tier) may skew a measurement. */
export const QUIET_BENCH_ENV = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'error',
  WARMUP_ON_BOOT: 'false',
  WARMUP_CRON: 'off',
  // Fixed TTLs: a run's figures must not depend on the hour it runs at (bench/calendar.bench.ts measures the calendar).
  CACHE_TTL_RULES: 'fixed',
  REFRESH_AHEAD_INTERVAL_MS: '0',
  DISK_CACHE_ENABLED: 'false',
  // Benchmarks measure the service, not its callers' budgets: anonymous load generators may compute, unmetered.
  AUTH_ANONYMOUS_SCOPES: 'read,compute,alerts',
  CALLER_COMPUTE_PER_MINUTE: '0',
};

/** The real app, initialised but not listening (for in-process benchmarks). */
export async function bootBenchApp(env: Record<string, string>): Promise<NestFastifyApplication> {
  const { app } = await createApp({ ...QUIET_BENCH_ENV, ...env });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** The real app listening on a free loopback port. */
export async function listenBenchApp(env: Record<string, string>): Promise<{ app: NestFastifyApplication; url: string }> {
  const { app } = await createApp({ ...QUIET_BENCH_ENV, ...env });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}
