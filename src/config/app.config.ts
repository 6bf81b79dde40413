import type { EnvSchema } from './env.schema';

export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  /** @default 3000 */
  port: number;
  /** @default '0.0.0.0' */
  host: string;
  /** @default 'info' ('warn' under test) */
  logLevel: string;
  /** @default 10000 */
  shutdownGraceMs: number;
  /** Readiness is 503 this long before the server stops accepting, so load balancers move away first. @default 1000 (0 under test) */
  shutdownDelayMs: number;
  /** Undefined disables the admin API (it answers 503 rather than being open). */
  adminApiKey?: string;
  /** Authenticated admin requests per minute per caller (failed attempts have their own budget). @default 60 */
  adminRateLimitPerMinute: number;
  /** Admin dashboard: one sample of the cache's counters this often; the last 15 minutes are kept. @default 5000 */
  dashboardSampleIntervalMs: number;
}

export function buildAppConfig(env: EnvSchema): AppConfig {
  const nodeEnv = (env.NODE_ENV ?? 'development') as AppConfig['nodeEnv'];
  return {
    nodeEnv,
    port: env.PORT ?? 3000,
    host: env.HOST ?? '0.0.0.0',
    logLevel: env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'warn' : 'info'),
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS ?? 10_000,
    shutdownDelayMs: env.SHUTDOWN_DELAY_MS ?? (nodeEnv === 'test' ? 0 : 1000),
    adminApiKey: env.ADMIN_API_KEY,
    adminRateLimitPerMinute: env.ADMIN_RATE_LIMIT_PER_MINUTE ?? 60,
    dashboardSampleIntervalMs: env.DASHBOARD_SAMPLE_INTERVAL_MS ?? 5000,
  };
}
