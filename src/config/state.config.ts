import type { RedisConnectionConfig } from './cache.config';
import type { EnvSchema } from './env.schema';

export interface StateConfig {
  /**
   * STATE_REDIS_URL: a standalone Redis of its own for state (alerts, stored screenings, scheduling
   * leases), so cache memory pressure and eviction never touch it. Undefined: state shares the
   * cache's Redis, under `{REDIS_PREFIX}state:`. Credentials come from the URL.
   */
  redis?: RedisConnectionConfig;
}

export function buildStateConfig(env: EnvSchema): StateConfig {
  const url = env.STATE_REDIS_URL;
  if (!url) return {};
  return {
    redis: {
      topology: 'standalone',
      url,
      tls: url.startsWith('rediss://'),
      // The same trust settings as the cache's Redis: one private CA usually signs both.
      tlsInsecure: env.REDIS_TLS_INSECURE ?? false,
      tlsCaFile: env.REDIS_TLS_CA_FILE,
      connectTimeoutMs: env.REDIS_CONNECT_TIMEOUT_MS ?? 2000,
    },
  };
}
