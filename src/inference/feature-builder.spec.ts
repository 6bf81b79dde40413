import type { Bar } from '../market-data/market-data.types';
import { SeededRandom } from '../market-data/providers/synthetic-random';
import { buildFeatureRows, FEATURE_NAMES, latestFeatures, MIN_HISTORY_BARS, namedFeatures } from './feature-builder';

const day = (i: number) => new Date(Date.UTC(2015, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
const barsOf = (closes: readonly number[], volumes?: readonly number[]): Bar[] =>
  closes.map((close, i) => ({ date: day(i), open: null, high: null, low: null, close, volume: volumes?.[i] ?? 1_000 }));

/** Deterministic random walk (the project's seeded generator) with random volumes. */
function walk(length: number, seed = 7): Bar[] {
  const random = new SeededRandom(seed);
  const uniform = () => random.uniform();
  let close = 50;
  const closes: number[] = [];
  const volumes: number[] = [];
  for (let i = 0; i < length; i++) {
    close *= 1 + (uniform() - 0.5) * 0.04;
    closes.push(close);
    volumes.push(Math.round(1e6 * (0.5 + uniform())));
  }
  return barsOf(closes, volumes);
}

describe(buildFeatureRows.name, () => {
  const sut = buildFeatureRows;

  it('gives a linear price series its known returns, averages and range (flat volume)', () => {
    const n = 300;
    const closes = Array.from({ length: n }, (_, i) => 100 + i);
    const c = closes[n - 1]; // 399

    const f = namedFeatures(latestFeatures(barsOf(closes)) ?? []);

    expect(f.ret5).toBeCloseTo(c / (c - 5) - 1, 12);
    expect(f.ret21).toBeCloseTo(c / (c - 21) - 1, 12);
    expect(f.ret63).toBeCloseTo(c / (c - 63) - 1, 12);
    expect(f.ret126).toBeCloseTo(c / (c - 126) - 1, 12);
    // The mean of the last k closes of a line is its midpoint: c - (k - 1) / 2.
    expect(f.distSma50).toBeCloseTo(c / (c - 24.5) - 1, 12);
    expect(f.distSma200).toBeCloseTo(c / (c - 99.5) - 1, 12);
    expect(f.dist52wHigh).toBe(0);
    expect(f.volumeZ20).toBe(0);
    expect(f.rsi14).toBe(100);
  });

  it('has an RSI of 100 and a volatility of 0 on a strictly rising series with constant growth', () => {
    const closes = Array.from({ length: 260 }, (_, i) => 20 * 1.01 ** i);

    const f = namedFeatures(latestFeatures(barsOf(closes)) ?? []);

    expect(f.rsi14).toBe(100);
    expect(f.vol21).toBeCloseTo(0, 12);
    expect(f.ret5).toBeCloseTo(1.01 ** 5 - 1, 12);
    // A steady uptrend: MACD above its signal line, so the histogram is positive.
    expect(f.macdHistPct).toBeGreaterThan(0);
  });

  it('measures volume against its own 20 days and the close against the 52-week high', () => {
    const closes = [...Array.from({ length: 200 }, (_, i) => 100 + i), ...Array.from({ length: 60 }, (_, i) => 298 - i)];
    const volumes = closes.map((_, i) => (i === closes.length - 1 ? 200 : 100));

    const f = namedFeatures(latestFeatures(barsOf(closes, volumes)) ?? []);

    // 19 days of 100 and one of 200: mean 105, sample std sqrt((19 * 25 + 95^2) / 19) = sqrt(500).
    expect(f.volumeZ20).toBeCloseTo(95 / Math.sqrt(500), 12);
    expect(f.dist52wHigh).toBeCloseTo(239 / 299 - 1, 12);
    // Wilder averages after 200 gains of 1 and then 60 losses of 1: gain (13/14)^60, loss 1 - (13/14)^60.
    const gain = (13 / 14) ** 60;
    expect(f.rsi14).toBeCloseTo(100 - 100 / (1 + gain / (1 - gain)), 9);
  });

  it('computes a daily-return volatility equal to the sample standard deviation of the last 21 returns', () => {
    const closes = Array.from({ length: 260 }, (_, i) => 100 * (i % 2 === 0 ? 1 : 1.02));

    const f = namedFeatures(latestFeatures(barsOf(closes)) ?? []);

    // Returns alternate +2 % and -1.96 %; 21 of them, ending on the one into an even index.
    const returns = Array.from({ length: 21 }, (_, k) => {
      const i = 259 - 20 + k;
      return closes[i] / closes[i - 1] - 1;
    });
    const mean = returns.reduce((s, r) => s + r, 0) / 21;
    const std = Math.sqrt(returns.reduce((s, r) => s + (r - mean) ** 2, 0) / 20);
    expect(f.vol21).toBeCloseTo(std, 12);
  });

  it('starts at the bar that completes the 52-week window and is null before it', () => {
    const rows = sut(walk(MIN_HISTORY_BARS + 3));

    expect(rows.slice(0, MIN_HISTORY_BARS - 1).every((r) => r === null)).toBe(true);
    expect(rows.slice(MIN_HISTORY_BARS - 1).every((r) => r?.length === FEATURE_NAMES.length)).toBe(true);
    expect(sut(walk(MIN_HISTORY_BARS - 1)).every((r) => r === null)).toBe(true);
    expect(latestFeatures([])).toBeNull();
  });

  it('never looks ahead: rows up to day t do not change when later bars are appended', () => {
    const bars = walk(700);
    const full = sut(bars);

    for (const t of [260, 400, 699 - 30]) {
      const truncated = sut(bars.slice(0, t + 1));
      expect(truncated).toEqual(full.slice(0, t + 1));
    }
  });

  it('gives a two-year serving window the features the full training history gives (EMA seeds fade)', () => {
    const bars = walk(1300, 11);

    const fromFullHistory = sut(bars).at(-1) ?? [];
    const fromServingWindow = latestFeatures(bars.slice(-504)) ?? [];
    const fromMinimum = latestFeatures(bars.slice(-MIN_HISTORY_BARS)) ?? [];

    fromFullHistory.forEach((value, i) => {
      expect(fromServingWindow[i]).toBeCloseTo(value, 9);
      expect(fromMinimum[i]).toBeCloseTo(value, 6);
    });
  });

  it('yields null, not NaN, where an input is not finite', () => {
    const bars = walk(300);
    bars[bars.length - 1] = { ...bars[bars.length - 1], volume: Number.NaN };

    expect(latestFeatures(bars)).toBeNull();
    expect(sut(bars).at(-2)).not.toBeNull();
  });
});
