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
    /**
     * The cluster-wide rate budget of the provider (every replica, through Redis; each replica's
     * share when Redis is unreachable). @default undefined (no budget: the local providers' default)
     */
    rate?: { perSecond: number; burst: number; maxWaitMs: number };
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
      ...(env.UPSTREAM_RATE_PER_SECOND === undefined
        ? {}
        : { rate: { perSecond: parseRatePerSecond(env.UPSTREAM_RATE_PER_SECOND), burst: env.UPSTREAM_RATE_BURST ?? 1, maxWaitMs: env.UPSTREAM_RATE_MAX_WAIT_MS ?? 2000 } }),
    },
  };
}

/** `UPSTREAM_RATE_PER_SECOND`: a decimal (`0.0833` is Polygon free's 5 a minute) or a fraction `calls/seconds` (`5/60`). */
export function parseRatePerSecond(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)(?:\s*\/\s*(\d+(?:\.\d+)?))?\s*$/.exec(value);
  if (!match) throw new Error('must be a positive number of calls per second, e.g. 20, 0.5 or 5/60');
  const rate = Number(match[1]) / (match[2] === undefined ? 1 : Number(match[2]));
  if (!Number.isFinite(rate) || rate < 0.001 || rate > 100_000) throw new Error('must be between 0.001 and 100000 calls per second');
  return rate;
}
