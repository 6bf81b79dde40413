import { DEFAULT_VOLATILITY_TTL, type VolatilityTtlSettings } from '../market-calendar/volatility-ttl';
import type { EnvSchema } from './env.schema';

export interface MarketCalendarConfig {
  /** Lifetimes follow the exchange calendar and volatility (`calendar`), or the TTLs only (`fixed`). @default 'calendar' */
  ttlRules: 'calendar' | 'fixed';
  /** A value cached while the market is closed stays fresh this long past the next open. @default 60 s */
  openMarginMs: number;
  /** Session lifetimes of scores and scan records by realized volatility. @default 1 h at ≥ 40 %, 8 h at ≤ 20 % */
  volatility: VolatilityTtlSettings;
}

export function buildMarketCalendarConfig(env: EnvSchema): MarketCalendarConfig {
  return {
    ttlRules: env.CACHE_TTL_RULES === 'fixed' ? 'fixed' : 'calendar',
    openMarginMs: (env.MARKET_OPEN_MARGIN_SECONDS ?? 60) * 1000,
    volatility: {
      minTtlMs: env.CACHE_VOLATILITY_TTL_MIN !== undefined ? env.CACHE_VOLATILITY_TTL_MIN * 1000 : DEFAULT_VOLATILITY_TTL.minTtlMs,
      maxTtlMs: env.CACHE_VOLATILITY_TTL_MAX !== undefined ? env.CACHE_VOLATILITY_TTL_MAX * 1000 : DEFAULT_VOLATILITY_TTL.maxTtlMs,
      highPercent: env.CACHE_VOLATILITY_HIGH_PERCENT ?? DEFAULT_VOLATILITY_TTL.highPercent,
      lowPercent: env.CACHE_VOLATILITY_LOW_PERCENT ?? DEFAULT_VOLATILITY_TTL.lowPercent,
    },
  };
}
