/** How score and scan-record lifetimes follow a symbol's realized volatility during the session. */
export interface VolatilityTtlSettings {
  /** Lifetime of the most volatile names (at or above `highPercent`). @default 1 h */
  minTtlMs: number;
  /** Lifetime of the calmest names (at or below `lowPercent`). @default 8 h */
  maxTtlMs: number;
  /** Annualized realized volatility (%) from which a name counts as volatile. @default 40 */
  highPercent: number;
  /** Annualized realized volatility (%) up to which a name counts as calm. @default 20 */
  lowPercent: number;
}

export const DEFAULT_VOLATILITY_TTL: VolatilityTtlSettings = { minTtlMs: 3_600_000, maxTtlMs: 8 * 3_600_000, highPercent: 40, lowPercent: 20 };

/** Bars the realized volatility is measured over (about a month of sessions). */
export const VOLATILITY_LOOKBACK_BARS = 20;
const TRADING_DAYS_PER_YEAR = 252;

/** Annualized realized volatility in % of the last `lookback` daily close-to-close log returns; undefined under 2 returns. */
export function realizedVolatilityPercent(closes: readonly number[], lookback = VOLATILITY_LOOKBACK_BARS): number | undefined {
  const recent = closes.slice(-(lookback + 1)).filter((c) => Number.isFinite(c) && c > 0);
  if (recent.length < 3) return undefined;
  const returns: number[] = [];
  for (let i = 1; i < recent.length; i++) returns.push(Math.log(recent[i] / recent[i - 1]));
  const mean = returns.reduce((s, r) => s + r, 0) / returns.length;
  const variance = returns.reduce((s, r) => s + (r - mean) ** 2, 0) / (returns.length - 1);
  return Math.sqrt(variance * TRADING_DAYS_PER_YEAR) * 100;
}

/**
 * The lifetime for a realized volatility: `maxTtlMs` at or below `lowPercent`, `minTtlMs` at or above
 * `highPercent`, geometric in between (each step of volatility shortens it by the same factor).
 * Unknown volatility (too few bars) counts as volatile.
 */
export function volatilityTtlMs(volatilityPercent: number | undefined, settings: VolatilityTtlSettings = DEFAULT_VOLATILITY_TTL): number {
  const { minTtlMs, maxTtlMs, highPercent, lowPercent } = settings;
  if (volatilityPercent === undefined || !Number.isFinite(volatilityPercent) || volatilityPercent >= highPercent) return minTtlMs;
  if (volatilityPercent <= lowPercent) return maxTtlMs;
  const share = (volatilityPercent - lowPercent) / (highPercent - lowPercent);
  return Math.round(maxTtlMs * (minTtlMs / maxTtlMs) ** share);
}
