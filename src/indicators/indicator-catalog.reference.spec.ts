import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Bar } from '../market-data/market-data.types';
import { sharedData } from '../../test/support/shared-data';
import { computeIndicator, DEFAULT_INDICATOR_NAMES, parseIndicatorNames, type IndicatorSpec, type IndicatorValue } from './indicator-catalog';

// Real S&P 500 daily bars, 2013-02-08..2018-02-07 (1,259 per symbol). From the shared data folder (test/support/shared-data.ts).
const SAMPLE_CSV = sharedData('sp500-daily-sample-50.csv');
const SYMBOLS = ['AAPL', 'MSFT', 'XOM', 'JPM'];
const NAMES = [...DEFAULT_INDICATOR_NAMES, 'sma200', 'ema12', 'rsi2', 'bbands50', 'atr50', 'macd_5_35_5'];
const COMPARED_POINTS = 50;
/**
 * Relative to the reference value (RSI: to its 0..100 scale; MACD lines: to the close, as they hover
 * around 0). Where the definitions coincide (SMA, Bollinger with population SD, and EMA/Wilder
 * smoothing long after the seed) only rounding error remains.
 */
const TOLERANCE = 1e-9;

/**
 * The libraries seed their smoothers differently (trading-signals: the first price, or the first
 * bar's high-low; technicalindicators: the SMA of the first N), and the seed keeps a weight of
 * (1 - alpha)^k k bars later. That weight (times a seed gap of at most 100 %) bounds the honest
 * difference on a short window such as the service's 2y.
 */
function seedWeight(spec: IndicatorSpec, bars: number): number {
  const k = bars - COMPARED_POINTS;
  switch (spec.kind) {
    case 'sma':
    case 'bbands':
      return 0;
    case 'ema':
      return (1 - 2 / (spec.period + 1)) ** (k - spec.period);
    case 'rsi':
    case 'atr':
      return (1 - 1 / spec.period) ** (k - spec.period - 1);
    case 'macd':
      return (1 - 2 / (spec.slow + 1)) ** (k - spec.slow - spec.signal);
    default: {
      const unreachable: never = spec;
      throw new Error(`Unknown indicator ${String(unreachable)}`);
    }
  }
}

type Reference = Record<string, Record<string, IndicatorValue[]>>;

// trading-signals 8 is ESM-only: Jest's CommonJS sandbox cannot load it, so it runs in a plain Node
// child process and returns the last values of each series as JSON.
const REFERENCE_SCRIPT = `
import { readFileSync } from 'node:fs';
const ts = await import(process.argv[1]);
const { bars, specs, points } = JSON.parse(readFileSync(0, 'utf8'));
const make = (s) => {
  switch (s.kind) {
    case 'sma': return new ts.SMA(s.period);
    case 'ema': return new ts.EMA(s.period);
    case 'rsi': return new ts.RSI(s.period);
    case 'atr': return new ts.ATR(s.period);
    case 'bbands': return new ts.BollingerBands(s.period, 2);
    case 'macd': return new ts.MACD(new ts.EMA(s.fast), new ts.EMA(s.slow), new ts.EMA(s.signal));
  }
};
const out = {};
for (const [symbol, b] of Object.entries(bars)) {
  out[symbol] = {};
  for (const s of specs) {
    const indicator = make(s);
    const values = b.close.map((close, i) => {
      indicator.update(s.kind === 'atr' ? { high: b.high[i], low: b.low[i], close } : close);
      return indicator.isStable ? indicator.getResult() : null;
    });
    out[symbol][s.name] = values.slice(-points);
  }
}
process.stdout.write(JSON.stringify(out));
`;

function loadSample(symbols: readonly string[]): Map<string, Bar[]> {
  const wanted = new Set(symbols);
  const bySymbol = new Map<string, Bar[]>();
  const num = (cell: string) => (cell === '' ? null : Number(cell));
  for (const line of readFileSync(SAMPLE_CSV, 'utf8').split('\n').slice(1)) {
    const [date, open, high, low, close, volume, name] = line.split(',');
    if (!wanted.has(name)) continue;
    const bars = bySymbol.get(name) ?? [];
    bars.push({ date, open: num(open), high: num(high), low: num(low), close: Number(close), volume: Number(volume) });
    bySymbol.set(name, bars);
  }
  return bySymbol;
}

function reference(sample: Map<string, Bar[]>, specs: IndicatorSpec[], points: number): Reference {
  const bars = Object.fromEntries(
    [...sample].map(([symbol, b]) => [
      symbol,
      // The same stand-in for a missing high/low as the catalog uses (the sample has none, the full file has).
      { close: b.map((x) => x.close), high: b.map((x) => x.high ?? x.close), low: b.map((x) => x.low ?? x.close) },
    ]),
  );
  const library = pathToFileURL(require.resolve('trading-signals')).href;
  const json = execFileSync(process.execPath, ['--input-type=module', '-e', REFERENCE_SCRIPT, library], {
    input: JSON.stringify({ bars, specs, points }),
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(json.toString('utf8')) as Reference;
}

const fieldsOf = (v: Exclude<IndicatorValue, null>): number[] =>
  typeof v === 'number' ? [v] : 'macd' in v ? [v.macd, v.signal, v.histogram] : [v.upper, v.middle, v.lower];

/** Largest scaled difference over the fields of two values; Infinity when only one of them exists. */
function difference(spec: IndicatorSpec, actual: IndicatorValue, expected: IndicatorValue, close: number): number {
  if (actual === null || expected === null) return actual === expected ? 0 : Infinity;
  const [a, e] = [fieldsOf(actual), fieldsOf(expected)];
  // RSI lives on 0..100, MACD lines hover around 0 (so: relative to the price), the rest relative to the middle value.
  const scale = spec.kind === 'rsi' ? 100 : spec.kind === 'macd' ? close : Math.abs(e[(e.length - 1) / 2]);
  return Math.max(...e.map((value, i) => Math.abs(a[i] - value) / scale));
}

describe(`${computeIndicator.name} against trading-signals on real S&P 500 bars`, () => {
  const sut = computeIndicator;
  const fullSample = loadSample(SYMBOLS);
  const { specs } = parseIndicatorNames(NAMES);

  it('reads the four symbols with five years of bars each', () => {
    expect([...fullSample.keys()].sort()).toEqual([...SYMBOLS].sort());
    for (const bars of fullSample.values()) expect(bars).toHaveLength(1259);
  });

  describe.each([
    ['all 1,259 bars', 1259],
    ['the last 504 bars (the 2y the service fetches)', 504],
  ])('on %s', (_label, length) => {
    const sample = new Map([...fullSample].map(([symbol, bars]) => [symbol, bars.slice(-length)]));
    let expected: Reference;

    beforeAll(() => {
      expected = reference(sample, specs, COMPARED_POINTS);
    });

    describe.each(SYMBOLS)('%s', (symbol) => {
      it.each(NAMES)(`matches %s: the latest value and the last ${COMPARED_POINTS} values`, (name) => {
        const bars = sample.get(symbol) as Bar[];
        const spec = specs.find((s) => s.name === name) as IndicatorSpec;
        const tolerance = TOLERANCE + seedWeight(spec, bars.length);
        const actual = sut(spec, bars).slice(-COMPARED_POINTS);
        const closes = bars.slice(-COMPARED_POINTS).map((b) => b.close);
        const reference = expected[symbol][name];

        const diffs = actual.map((value, i) => difference(spec, value, reference[i], closes[i]));

        expect(actual.at(-1)).not.toBeNull();
        expect(diffs.at(-1)).toBeLessThanOrEqual(tolerance);
        expect(Math.max(...diffs)).toBeLessThanOrEqual(tolerance);
      });
    });
  });
});
