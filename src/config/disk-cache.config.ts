import type { EnvSchema } from './env.schema';

/** The persistent local tier under the provider for cold policies (history, info, tickers). */
export interface DiskCacheConfig {
  /** @default true when NODE_ENV=development (a laptop), false otherwise (Kubernetes, tests) */
  enabled: boolean;
  /** @default '.data/disk-cache' (git-ignored) */
  dir: string;
  /** Oldest entries are evicted beyond this. @default 256 MiB */
  maxBytes: number;
}

export function buildDiskCacheConfig(env: EnvSchema): DiskCacheConfig {
  return {
    enabled: env.DISK_CACHE_ENABLED ?? (env.NODE_ENV ?? 'development') === 'development',
    dir: env.DISK_CACHE_DIR ?? '.data/disk-cache',
    maxBytes: env.DISK_CACHE_MAX_BYTES ?? 256 * 1024 * 1024,
  };
}
