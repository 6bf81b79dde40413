import { buildAppConfig, type AppConfig } from './app.config';
import { buildAuthConfig, type AuthConfig } from './auth.config';
import { buildCacheConfig, type CacheConfig } from './cache.config';
import { buildDiskCacheConfig, type DiskCacheConfig } from './disk-cache.config';
import type { EnvSchema } from './env.schema';
import { buildHttpConfig, type HttpConfig } from './http.config';
import { buildInferenceConfig, type InferenceConfig } from './inference.config';
import { buildMarketCalendarConfig, type MarketCalendarConfig } from './market-calendar.config';
import { buildMarketDataConfig, type MarketDataConfig } from './market-data.config';
import { buildWarmupConfig, type WarmupConfig } from './warmup.config';
import { buildAlertsConfig, type AlertsConfig } from './alerts.config';
import { buildSignalsConfig, type SignalsConfig } from './signals.config';
import { buildStateConfig, type StateConfig } from './state.config';

/** Everything `ConfigService<AllConfig, true>` serves, built once from the validated env. */
export interface AllConfig {
  app: AppConfig;
  cache: CacheConfig;
  marketData: MarketDataConfig;
  inference: InferenceConfig;
  warmup: WarmupConfig;
  diskCache: DiskCacheConfig;
  signals: SignalsConfig;
  alerts: AlertsConfig;
  state: StateConfig;
  marketCalendar: MarketCalendarConfig;
  auth: AuthConfig;
  http: HttpConfig;
}

export function buildAllConfig(env: EnvSchema): AllConfig {
  return { app: buildAppConfig(env), cache: buildCacheConfig(env), marketData: buildMarketDataConfig(env), inference: buildInferenceConfig(env), warmup: buildWarmupConfig(env), diskCache: buildDiskCacheConfig(env), signals: buildSignalsConfig(env), alerts: buildAlertsConfig(env), state: buildStateConfig(env), marketCalendar: buildMarketCalendarConfig(env), auth: buildAuthConfig(env), http: buildHttpConfig(env) };
}
