import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/bootstrap';

const open: NestFastifyApplication[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

/**
 * The real app (same `createApp` as `main.ts`), initialised but not listening: requests go
 * through Fastify's `inject`, so the whole Nest pipeline runs. Closed after each test.
 */
export async function startApp(env: Record<string, string> = {}): Promise<NestFastifyApplication> {
  const prefix = `e2e${Math.random().toString(36).slice(2, 8)}:`;
  // Fixed TTLs: the tests run at any hour, and their figures are the policies'; calendar lifetimes are tested with a ManualClock.
  const { app } = await createApp({ NODE_ENV: 'test', REDIS_ENABLED: 'false', REDIS_PREFIX: prefix, LOG_LEVEL: 'error', CACHE_TTL_RULES: 'fixed', ...env });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  open.push(app);
  return app;
}
