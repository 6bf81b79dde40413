import type { EnvSchema } from './env.schema';

export type MarketDataProviderName = 'synthetic' | 'csv' | 'polygon' | 'yahoo';

export interface MarketDataConfig {
  /** @default 'synthetic' (embedded, no network, no key) */
  provider: MarketDataProviderName;
  synthetic: {
    /** @default 42 */ seed: number;
    /** @default 5000 */ universeSize: number;
  };
  csv: {
    /** File or folder of OHLCV CSVs. @default undefined (required when `provider` is `csv`) */
    path?: string;
  };
  polygon: {
    /** Secret. @default undefined (required when `provider` is `polygon`) */
    apiKey?: string;
    /** @default 'https://api.polygon.io' (Massive's new host `https://api.massive.com` serves the same paths) */
    baseUrl: string;
  };
  /** Applies to every provider that leaves the process (polygon, yahoo); the limit wraps all. */
  upstream: {
    /** Deadline of one HTTP request, ms. @default 5000 */
    timeoutMs: number;
    /** Provider calls in flight at once; more wait in FIFO order. @default 8 */
    maxConcurrency: number;
    /** Retries after a 429 or 5xx (timeouts are not retried: that would multiply the wait). @default 3 */
    maxRetries: number;
  };
}

export function buildMarketDataConfig(env: EnvSchema): MarketDataConfig {
  return {
    provider: (env.MARKET_DATA_PROVIDER ?? 'synthetic') as MarketDataProviderName,
    synthetic: { seed: env.SYNTHETIC_SEED ?? 42, universeSize: env.SYNTHETIC_UNIVERSE_SIZE ?? 5000 },
    csv: { path: env.MARKET_DATA_CSV_PATH },
    polygon: { apiKey: env.POLYGON_API_KEY, baseUrl: (env.POLYGON_BASE_URL ?? 'https://api.polygon.io').replace(/\/+$/, '') },
    upstream: {
      timeoutMs: env.UPSTREAM_TIMEOUT_MS ?? 5000,
      maxConcurrency: env.UPSTREAM_MAX_CONCURRENCY ?? 8,
      maxRetries: env.UPSTREAM_MAX_RETRIES ?? 3,
    },
  };
}
