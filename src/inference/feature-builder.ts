import { computeIndicator, parseIndicatorName, type IndicatorSpec, type MacdValue } from '../indicators/indicator-catalog';
import type { Bar } from '../market-data/market-data.types';

/**
 * The model's inputs, in the order the artifact's weights follow. This file is the ONLY feature
 * code: `scripts/train-model.ts` and `PredictionsService` both call `buildFeatureRows`, so
 * training and serving cannot compute a feature differently.
 */
export const FEATURE_NAMES = [
  'ret5',
  'ret21',
  'ret63',
  'ret126',
  'rsi14',
  'macdHistPct',
  'vol21',
  'volumeZ20',
  'dist52wHigh',
  'distSma50',
  'distSma200',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];
/** One value per `FEATURE_NAMES` entry, same order. */
export type FeatureVector = readonly number[];

const RETURN_WINDOWS = [5, 21, 63, 126] as const;
const VOLATILITY_DAYS = 21;
const VOLUME_DAYS = 20;
const YEAR_DAYS = 252;

/** Bars a symbol needs before its first feature vector: the 52-week window is the longest. */
export const MIN_HISTORY_BARS = YEAR_DAYS;

// Module-scope copies: global lookups per call are much slower inside Jest's vm sandbox (jestjs/jest#5163).
const { max, sqrt } = Math;
const isFiniteNumber = Number.isFinite;

const spec = (name: string): IndicatorSpec => {
  const parsed = parseIndicatorName(name);
  if (!parsed) throw new Error(`feature-builder: unknown indicator ${name}`);
  return parsed;
};
const RSI14 = spec('rsi14');
const MACD = spec('macd');
const SMA50 = spec('sma50');
const SMA200 = spec('sma200');

/**
 * A feature vector for every bar (null until `MIN_HISTORY_BARS` bars exist, or where a value is
 * not finite). Causal: row t reads bars 0..t only, so appending bars never changes earlier rows.
 * RSI and MACD are exponential smoothers seeded at the first bar; with at least 252 bars their
 * seed weighs below 1e-7, so a 2-year serving window and the full training history agree.
 */
export function buildFeatureRows(bars: readonly Bar[]): (FeatureVector | null)[] {
  const n = bars.length;
  const rows = new Array<FeatureVector | null>(n).fill(null);
  if (n < MIN_HISTORY_BARS) return rows;

  const close = bars.map((b) => b.close);
  const volume = bars.map((b) => b.volume);
  const rsi = computeIndicator(RSI14, bars) as (number | null)[];
  const macd = computeIndicator(MACD, bars) as (MacdValue | null)[];
  const sma50 = computeIndicator(SMA50, bars) as (number | null)[];
  const sma200 = computeIndicator(SMA200, bars) as (number | null)[];
  const dailyReturn = close.map((c, i) => (i === 0 ? NaN : c / close[i - 1] - 1));
  const volatility = rollingStd(dailyReturn, VOLATILITY_DAYS, 1);
  const volumeStd = rollingStd(volume, VOLUME_DAYS, 0);
  const volumeMean = rollingMean(volume, VOLUME_DAYS);
  const yearHigh = rollingMax(close, YEAR_DAYS);

  for (let t = MIN_HISTORY_BARS - 1; t < n; t++) {
    const c = close[t];
    const hist = macd[t]?.histogram;
    const row = [
      ...RETURN_WINDOWS.map((days) => c / close[t - days] - 1),
      rsi[t] ?? NaN,
      hist === undefined ? NaN : hist / c,
      volatility[t],
      // A flat volume window has no spread: today's volume is then exactly ordinary.
      volumeStd[t] === 0 ? 0 : (volume[t] - volumeMean[t]) / volumeStd[t],
      c / yearHigh[t] - 1,
      c / (sma50[t] ?? NaN) - 1,
      c / (sma200[t] ?? NaN) - 1,
    ];
    rows[t] = row.every(isFiniteNumber) ? row : null;
  }
  return rows;
}

/** The vector of the last bar, or null when the history is too short (or has a gap in its values). */
export function latestFeatures(bars: readonly Bar[]): FeatureVector | null {
  return buildFeatureRows(bars).at(-1) ?? null;
}

/** `{ ret5: ..., ... }` for responses that explain themselves. */
export function namedFeatures(vector: FeatureVector): Record<FeatureName, number> {
  return Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, vector[i]])) as Record<FeatureName, number>;
}

/** Mean of values[i-window+1..i] (NaN before the first full window). */
function rollingMean(values: readonly number[], window: number): number[] {
  const out = new Array<number>(values.length).fill(NaN);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    if (i >= window - 1) out[i] = sum / window;
  }
  return out;
}

/** Sample standard deviation over values[i-window+1..i], from index `from` on (two-pass per window: exact, O(n * window)). */
function rollingStd(values: readonly number[], window: number, from: number): number[] {
  const out = new Array<number>(values.length).fill(NaN);
  for (let i = from + window - 1; i < values.length; i++) {
    let mean = 0;
    for (let k = i - window + 1; k <= i; k++) mean += values[k];
    mean /= window;
    let squares = 0;
    for (let k = i - window + 1; k <= i; k++) squares += (values[k] - mean) ** 2;
    out[i] = sqrt(squares / (window - 1));
  }
  return out;
}

/** Max over values[i-window+1..i] (NaN before the first full window). */
function rollingMax(values: readonly number[], window: number): number[] {
  const out = new Array<number>(values.length).fill(NaN);
  for (let i = window - 1; i < values.length; i++) {
    let high = -Infinity;
    for (let k = i - window + 1; k <= i; k++) high = max(high, values[k]);
    out[i] = high;
  }
  return out;
}
