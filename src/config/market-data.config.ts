import type { EnvSchema } from './env.schema';

export type MarketDataProviderName = 'synthetic' | 'csv' | 'polygon' | 'yahoo';

export interface MarketDataConfig {
  /** @default 'synthetic' (embedded, no network, no key) */
  provider: MarketDataProviderName;
  synthetic: {
    /** @default 42 */ seed: number;
    /** @default 5000 */ universeSize: number;
  };
}

export function buildMarketDataConfig(env: EnvSchema): MarketDataConfig {
  return {
    provider: (env.MARKET_DATA_PROVIDER ?? 'synthetic') as MarketDataProviderName,
    synthetic: { seed: env.SYNTHETIC_SEED ?? 42, universeSize: env.SYNTHETIC_UNIVERSE_SIZE ?? 5000 },
  };
}
