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
  /** Undefined disables the admin API (it answers 503 rather than being open). */
  adminApiKey?: string;
}

export function buildAppConfig(env: EnvSchema): AppConfig {
  const nodeEnv = (env.NODE_ENV ?? 'development') as AppConfig['nodeEnv'];
  return {
    nodeEnv,
    port: env.PORT ?? 3000,
    host: env.HOST ?? '0.0.0.0',
    logLevel: env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'warn' : 'info'),
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS ?? 10_000,
    adminApiKey: env.ADMIN_API_KEY,
  };
}
