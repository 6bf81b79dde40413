import type { Bar, HistoryPeriod } from '../market-data/market-data.types';

// Module-scope copies: a global lookup per call is ~20x slower inside Jest's vm sandbox (jestjs/jest#5163).
const { exp, log, max, min, round, sqrt } = Math;

export const SCORE_HORIZONS = ['short', 'medium', 'long'] as const;
export type ScoreHorizon = (typeof SCORE_HORIZONS)[number];
export const SCORE_MODEL = 'heuristic-v1';

interface MomentumWindow {
  days: number;
  /** Most recent days left out (12-1 momentum skips the last month, where returns tend to reverse). */
  skip: number;
}

interface HorizonModel {
  windows: readonly MomentumWindow[];
  trendSmaDays: number;
  longTermDays: number;
  /** Blend of the two sub-scores: the longer the horizon, the more the value-like side counts. */
  weights: { momentum: number; value: number };
}

/** short = 1-3 months, medium = 6-12 months, long = 2-3 years (daily bars). */
export const HORIZON_MODELS: Record<ScoreHorizon, HorizonModel> = {
  short: { windows: [{ days: 21, skip: 0 }, { days: 63, skip: 0 }], trendSmaDays: 50, longTermDays: 504, weights: { momentum: 0.7, value: 0.3 } },
  medium: { windows: [{ days: 126, skip: 21 }, { days: 252, skip: 21 }], trendSmaDays: 200, longTermDays: 504, weights: { momentum: 0.6, value: 0.4 } },
  long: { windows: [{ days: 504, skip: 21 }, { days: 756, skip: 21 }], trendSmaDays: 200, longTermDays: 756, weights: { momentum: 0.4, value: 0.6 } },
};

const TRADING_DAYS_PER_YEAR = 252;
const VOLATILITY_DAYS = 252;
const MIN_VOLATILITY_RETURNS = 20;
const RANGE_DAYS = 252;
// A noiseless series would divide by zero; 0.2 %/day (about 3 % a year) is below any real stock.
const MIN_DAILY_VOLATILITY = 0.002;
const MOMENTUM_WEIGHTS = { window: 0.35, trend: 0.3 };
const VALUE_WEIGHTS = { range: 0.35, longTermAverage: 0.4, lowVolatility: 0.25 };
// Low-volatility z: 0 at 25 % annualized (a typical large cap), +1 at 15 %, -1 at 35 %.
const TYPICAL_ANNUAL_VOLATILITY = 0.25;
const VOLATILITY_Z_SPREAD = 0.1;
// Confidence halves at 100 % annualized volatility; unknown volatility counts as that noisy.
const VOLATILITY_HALVING = 1;
// logistic(1.702 z) is within 0.01 of the normal CDF, so a score reads as a percentile under a random walk.
const LOGISTIC_SLOPE = 1.702;

export interface ScoreComponents {
  lastClose: number | null;
  annualizedVolatility: number | null;
  momentumWindows: { days: number; skipDays: number; logReturn: number | null; z: number | null }[];
  trend: { smaDays: number; sma: number | null; z: number | null };
  range52w: { high: number | null; low: number | null; position: number | null; z: number | null };
  longTermAverage: { days: number; average: number | null; z: number | null };
  lowVolatilityZ: number | null;
}

export interface ScoreResult {
  /** 0..100; null when no momentum input has enough bars. */
  momentum: number | null;
  /** 0..100, "value-like": from prices only (range, mean reversion, low volatility), no fundamentals. */
  value: number | null;
  composite: number | null;
  /** 0..1: share of the needed bars that exist, times a volatility discount. */
  confidence: number;
  dataPoints: number;
  asOf: string | null;
  weights: { momentum: number; value: number };
  components: ScoreComponents;
  model: typeof SCORE_MODEL;
}

/** Bars the horizon needs for every component to have its full window. */
export function barsNeededFor(horizon: ScoreHorizon): number {
  const m = HORIZON_MODELS[horizon];
  return max(VOLATILITY_DAYS + 1, RANGE_DAYS, m.trendSmaDays, m.longTermDays, ...m.windows.map((w) => w.days + w.skip + 1));
}

// Daily bars per history period, shortest first.
const PERIOD_LADDER: readonly [HistoryPeriod, number][] = [
  ['2y', 504],
  ['5y', 1260],
];

/**
 * The daily history a score is computed from (short/medium: 2y, long: 5y). Exported so that a caller
 * reading the same bars (the scan) asks for the same cached history.
 */
export function historyPeriodFor(horizon: ScoreHorizon): HistoryPeriod {
  const needed = barsNeededFor(horizon);
  return PERIOD_LADDER.find(([, bars]) => bars >= needed)?.[0] ?? 'max';
}

/** Maps a z-like number to 0..100. */
export function squash(z: number): number {
  return 100 / (1 + exp(-LOGISTIC_SLOPE * z));
}

/** Sample standard deviation of the last `VOLATILITY_DAYS` daily log returns, or null if too few. */
export function dailyVolatility(closes: readonly number[]): number | null {
  const from = max(1, closes.length - VOLATILITY_DAYS);
  const count = closes.length - from;
  if (count < MIN_VOLATILITY_RETURNS) return null;
  let sum = 0;
  let sumSq = 0;
  for (let i = from; i < closes.length; i++) {
    const r = log(closes[i] / closes[i - 1]);
    sum += r;
    sumSq += r * r;
  }
  const mean = sum / count;
  return sqrt(max(0, (sumSq - count * mean * mean) / (count - 1)));
}

/** 0..1: the share of needed bars present times 1 / (1 + annualized volatility / 100 %). */
export function confidenceOf(dataPoints: number, needed: number, annualizedVolatility: number | null): number {
  const coverage = min(1, dataPoints / needed);
  const calm = 1 / (1 + (annualizedVolatility ?? VOLATILITY_HALVING) / VOLATILITY_HALVING);
  return round(coverage * calm * 1000) / 1000;
}

/** Weighted mean of the parts that exist (weights renormalized), or null when none does. */
export function blend(parts: readonly (readonly [value: number | null, weight: number])[]): number | null {
  let sum = 0;
  let weights = 0;
  for (const [value, weight] of parts) {
    if (value === null || !Number.isFinite(value)) continue;
    sum += value * weight;
    weights += weight;
  }
  return weights > 0 ? sum / weights : null;
}

/** The whole score from daily bars (ascending). One pass per component: O(n). */
export function scoreBars(bars: readonly Bar[], horizon: ScoreHorizon): ScoreResult {
  const model = HORIZON_MODELS[horizon];
  const needed = barsNeededFor(horizon);
  const closes = bars.slice(-needed).map((b) => b.close);
  const n = closes.length;
  const last = n > 0 ? closes[n - 1] : null;
  const sigma = dailyVolatility(closes);
  const riskUnit = sigma === null ? null : max(sigma, MIN_DAILY_VOLATILITY);
  const annualizedVolatility = sigma === null ? null : sigma * sqrt(TRADING_DAYS_PER_YEAR);

  const momentumWindows = model.windows.map(({ days, skip }) => {
    const end = n - 1 - skip;
    const logReturn = last !== null && end - days >= 0 ? log(closes[end] / closes[end - days]) : null;
    return { days, skipDays: skip, logReturn, z: logReturn !== null && riskUnit !== null ? logReturn / (riskUnit * sqrt(days)) : null };
  });
  // For a random walk, log(price / its L-day mean) has a standard deviation of about sigma * sqrt(L / 3).
  const sma = meanOfLast(closes, model.trendSmaDays);
  const trendZ = last !== null && sma !== null && riskUnit !== null ? log(last / sma) / (riskUnit * sqrt(model.trendSmaDays / 3)) : null;
  const longTermAverage = meanOfLast(closes, model.longTermDays);
  const longTermZ =
    last !== null && longTermAverage !== null && riskUnit !== null ? -log(last / longTermAverage) / (riskUnit * sqrt(model.longTermDays / 3)) : null;
  const range = rangeOfLast(closes, RANGE_DAYS);
  const position = range && last !== null ? (range.high > range.low ? (last - range.low) / (range.high - range.low) : 0.5) : null;
  // +1 at the 52-week low, -1 at the high.
  const rangeZ = position === null ? null : 1 - 2 * position;
  const lowVolatilityZ = annualizedVolatility === null ? null : (TYPICAL_ANNUAL_VOLATILITY - annualizedVolatility) / VOLATILITY_Z_SPREAD;

  const momentumZ = blend([...momentumWindows.map((w) => [w.z, MOMENTUM_WEIGHTS.window] as const), [trendZ, MOMENTUM_WEIGHTS.trend]]);
  const valueZ = blend([
    [rangeZ, VALUE_WEIGHTS.range],
    [longTermZ, VALUE_WEIGHTS.longTermAverage],
    [lowVolatilityZ, VALUE_WEIGHTS.lowVolatility],
  ]);
  const momentum = momentumZ === null ? null : squash(momentumZ);
  const value = valueZ === null ? null : squash(valueZ);
  const composite = blend([
    [momentum, model.weights.momentum],
    [value, model.weights.value],
  ]);

  return {
    momentum: roundTo(momentum, 1),
    value: roundTo(value, 1),
    composite: roundTo(composite, 1),
    confidence: n === 0 ? 0 : confidenceOf(n, needed, annualizedVolatility),
    dataPoints: n,
    asOf: bars.length > 0 ? bars[bars.length - 1].date : null,
    weights: { ...model.weights },
    components: {
      lastClose: last,
      annualizedVolatility,
      momentumWindows,
      trend: { smaDays: model.trendSmaDays, sma, z: trendZ },
      range52w: { high: range?.high ?? null, low: range?.low ?? null, position, z: rangeZ },
      longTermAverage: { days: model.longTermDays, average: longTermAverage, z: longTermZ },
      lowVolatilityZ,
    },
    model: SCORE_MODEL,
  };
}

function meanOfLast(values: readonly number[], count: number): number | null {
  if (values.length < count) return null;
  let sum = 0;
  for (let i = values.length - count; i < values.length; i++) sum += values[i];
  return sum / count;
}

function rangeOfLast(values: readonly number[], count: number): { high: number; low: number } | null {
  if (values.length < count) return null;
  let high = -Infinity;
  let low = Infinity;
  for (let i = values.length - count; i < values.length; i++) {
    high = max(high, values[i]);
    low = min(low, values[i]);
  }
  return { high, low };
}

function roundTo(value: number | null, decimals: number): number | null {
  if (value === null) return null;
  const factor = 10 ** decimals;
  return round(value * factor) / factor;
}
