import { buildAppConfig, type AppConfig } from './app.config';
import { buildCacheConfig, type CacheConfig } from './cache.config';
import type { EnvSchema } from './env.schema';
import { buildMarketDataConfig, type MarketDataConfig } from './market-data.config';

/** Everything `ConfigService<AllConfig, true>` serves, built once from the validated env. */
export interface AllConfig {
  app: AppConfig;
  cache: CacheConfig;
  marketData: MarketDataConfig;
}

export function buildAllConfig(env: EnvSchema): AllConfig {
  return { app: buildAppConfig(env), cache: buildCacheConfig(env), marketData: buildMarketDataConfig(env) };
}
