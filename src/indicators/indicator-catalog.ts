import { ATR, AverageGain, AverageLoss, BollingerBands, EMA, MACD, SMA } from 'technicalindicators';
import type { Bar } from '../market-data/market-data.types';

export type PeriodicKind = 'sma' | 'ema' | 'rsi' | 'atr' | 'bbands';

export type IndicatorSpec =
  | { kind: PeriodicKind; name: string; period: number }
  | { kind: 'macd'; name: string; fast: number; slow: number; signal: number };

export interface MacdValue {
  macd: number;
  signal: number;
  histogram: number;
}

export interface BandsValue {
  upper: number;
  middle: number;
  lower: number;
}

export type IndicatorValue = number | MacdValue | BandsValue | null;

export const MIN_INDICATOR_PERIOD = 2;
export const MAX_INDICATOR_PERIOD = 500;
export const DEFAULT_INDICATOR_NAMES: readonly string[] = ['rsi14', 'sma20', 'ema50', 'macd', 'bbands20', 'atr14'];
export const INDICATOR_NAME_HELP = `rsiN, smaN, emaN, atrN, bbandsN (N ${MIN_INDICATOR_PERIOD}..${MAX_INDICATOR_PERIOD}), macd or macd_FAST_SLOW_SIGNAL`;

const PERIODIC_NAME = /^(sma|ema|rsi|atr|bbands)([1-9]\d{0,2})$/;
const MACD_NAME = /^macd(?:_([1-9]\d{0,2})_([1-9]\d{0,2})_([1-9]\d{0,2}))?$/;
const DEFAULT_MACD = { fast: 12, slow: 26, signal: 9 };
const BOLLINGER_STD_DEVS = 2;
/**
 * Exponential smoothers (EMA, and Wilder's RSI/ATR) depend on where the history starts. After 7
 * periods the seed's weight is below e^-7 (0.1 %) for Wilder smoothing and e^-14 for an EMA.
 */
const WARM_UP_PERIODS = 7;

const inBounds = (n: number) => n >= MIN_INDICATOR_PERIOD && n <= MAX_INDICATOR_PERIOD;

/** The spec of one (lower-case, trimmed) name, or null when it is unknown, malformed or out of bounds. */
export function parseIndicatorName(raw: string): IndicatorSpec | null {
  const name = raw.trim().toLowerCase();
  const periodic = PERIODIC_NAME.exec(name);
  if (periodic) {
    const period = Number(periodic[2]);
    return inBounds(period) ? { kind: periodic[1] as PeriodicKind, name, period } : null;
  }
  const macd = MACD_NAME.exec(name);
  if (!macd) return null;
  const [fast, slow, signal] = macd[1] ? [Number(macd[1]), Number(macd[2]), Number(macd[3])] : [DEFAULT_MACD.fast, DEFAULT_MACD.slow, DEFAULT_MACD.signal];
  return inBounds(fast) && inBounds(slow) && inBounds(signal) && fast < slow ? { kind: 'macd', name, fast, slow, signal } : null;
}

/** Parses every name; duplicates collapse, and the names that do not parse are listed apart. */
export function parseIndicatorNames(names: readonly string[]): { specs: IndicatorSpec[]; invalid: string[] } {
  const specs = new Map<string, IndicatorSpec>();
  const invalid: string[] = [];
  for (const raw of names) {
    const spec = parseIndicatorName(raw);
    if (spec) specs.set(spec.name, spec);
    else invalid.push(raw);
  }
  return { specs: [...specs.values()], invalid };
}

/** Index (0-based) of the first bar that has a value. */
function firstIndex(spec: IndicatorSpec): number {
  switch (spec.kind) {
    case 'sma':
    case 'ema':
    case 'bbands':
      return spec.period - 1;
    case 'rsi':
    case 'atr':
      return spec.period;
    case 'macd':
      return spec.slow + spec.signal - 2;
    default: {
      const unreachable: never = spec;
      throw new Error(`Unknown indicator ${String(unreachable)}`);
    }
  }
}

/** Bars needed before the first trustworthy value: the lookback plus, for smoothers, the warm-up. */
export function barsNeeded(spec: IndicatorSpec): number {
  const smoothing = spec.kind === 'macd' ? spec.slow : spec.kind === 'sma' || spec.kind === 'bbands' ? 0 : spec.period;
  return firstIndex(spec) + 1 + WARM_UP_PERIODS * smoothing;
}

// Passed to every indicator: the library's default formatter rounds when anyone sets its global
// `precision` config, and a process-wide setting must not change our numbers.
const identity = (v: number) => v;

/** One value per bar (null while the indicator has too little data), computed by technicalindicators. */
export function computeIndicator(spec: IndicatorSpec, bars: readonly Bar[]): IndicatorValue[] {
  const closes = bars.map((b) => b.close);
  switch (spec.kind) {
    case 'sma':
      return alignEnd(bars.length, SMA.calculate({ period: spec.period, values: closes, format: identity }));
    case 'ema':
      return alignEnd(bars.length, EMA.calculate({ period: spec.period, values: closes, format: identity }));
    case 'rsi':
      return alignEnd(bars.length, rsi(closes, spec.period));
    case 'bbands': {
      // Bollinger bands are on closes only, so missing high/low cannot affect them.
      const bands = BollingerBands.calculate({ period: spec.period, values: closes, stdDev: BOLLINGER_STD_DEVS, format: identity });
      return alignEnd(bars.length, bands.map(({ upper, middle, lower }) => ({ upper, middle, lower })));
    }
    case 'atr': {
      // Real feeds have bars without high/low (the S&P file has rows like `2015-06-26,,,,61.9`). The
      // close is the one price every bar has, so it stands in for a missing extreme: the true range
      // then still sees the gap from the previous close instead of a NaN that would poison the average.
      const high = bars.map((b) => b.high ?? b.close);
      const low = bars.map((b) => b.low ?? b.close);
      return alignEnd(bars.length, ATR.calculate({ period: spec.period, high, low, close: closes, format: identity }));
    }
    case 'macd': {
      const out = MACD.calculate({
        values: closes,
        fastPeriod: spec.fast,
        slowPeriod: spec.slow,
        signalPeriod: spec.signal,
        // The library defaults to simple averages; the standard MACD is built from EMAs.
        SimpleMAOscillator: false,
        SimpleMASignal: false,
        format: identity,
      });
      return alignEnd(
        bars.length,
        out.map(({ MACD: macd, signal, histogram }) =>
          macd === undefined || signal === undefined || histogram === undefined ? null : { macd, signal, histogram },
        ),
      );
    }
    default: {
      const unreachable: never = spec;
      throw new Error(`Unknown indicator ${String(unreachable)}`);
    }
  }
}

/**
 * Wilder's RSI from the library's own Wilder averages: its `RSI` class rounds every value to two
 * decimals (`toFixed(2)`), while `AverageGain`/`AverageLoss` are the same smoothing unrounded.
 */
function rsi(closes: number[], period: number): number[] {
  const gains = AverageGain.calculate({ period, values: closes, format: identity });
  const losses = AverageLoss.calculate({ period, values: closes, format: identity });
  return gains.map((gain, i) => {
    const loss = losses[i];
    if (loss === 0) return 100;
    return 100 - 100 / (1 + gain / loss);
  });
}

/** The library returns only the defined values; pad the front so index i is bar i. */
function alignEnd<T>(length: number, values: readonly T[]): (T | null)[] {
  const padded = new Array<T | null>(length).fill(null);
  const offset = length - values.length;
  for (let i = 0; i < values.length; i++) padded[offset + i] = values[i];
  return padded;
}
