import type { Bar } from '../market-data/market-data.types';
import { alignCloses, analyzeRisk, diversificationOf, equalWeightedReturns, MIN_RISK_OBSERVATIONS } from './portfolio-risk';

const day = (i: number) => new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
const bars = (closes: readonly number[], skip: readonly number[] = []): Bar[] =>
  closes.flatMap((close, i) => (skip.includes(i) ? [] : [{ date: day(i), open: null, high: null, low: null, close, volume: 1 }]));
// A wiggly, deterministic price path: log price = 0.01·sin(i) + 0.005·cos(2.3 i).
const wiggle = (n: number, scale = 1, base = 100) =>
  Array.from({ length: n }, (_, i) => base * Math.exp(scale * (0.01 * Math.sin(i) + 0.005 * Math.cos(2.3 * i))));
const marketOf = (closes: readonly number[]) => equalWeightedReturns([bars(closes)]);
const noNaN = (value: unknown) => !JSON.stringify(value, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? 'BAD' : v)).includes('BAD');

describe(alignCloses.name, () => {
  const sut = alignCloses;

  it('keeps only the dates every series has (inner join)', () => {
    const aligned = sut([bars([1, 2, 3, 4], [1]), bars([10, 20, 30, 40], [2])]);
    expect(aligned.dates).toEqual([day(0), day(3)]);
    expect(aligned.closes).toEqual([[1, 4], [10, 40]]);
  });

  it('drops non-positive closes', () => {
    expect(sut([bars([1, 0, 3])]).dates).toEqual([day(0), day(2)]);
  });
});

describe(equalWeightedReturns.name, () => {
  it('averages the log returns of the names that traded, if at least half did', () => {
    const sut = equalWeightedReturns([bars([100, 110, 121]), bars([100, 100, 100]), bars([50, 99, 55], [1])]);
    expect(sut.get(day(1))).toBeCloseTo(Math.log(1.1) / 2, 12);
    // Day 2: the third name lacks day 1, so its return spans days 0..2.
    expect(sut.get(day(2))).toBeCloseTo((Math.log(1.1) + 0 + Math.log(1.1)) / 3, 12);
    expect(equalWeightedReturns([bars([1, 2]), bars([1]), bars([1])]).size).toBe(0);
  });
});

describe(analyzeRisk.name, () => {
  const sut = analyzeRisk;
  const n = 60;

  it('treats two perfectly correlated holdings like one: correlation 1, no diversification, beta 1 to itself', () => {
    const a = wiggle(n);
    const single = sut({ histories: [bars(a)], weights: [1], units: null, market: marketOf(a) });
    const pair = sut({ histories: [bars(a), bars(a.map((c) => c * 3))], weights: [0.5, 0.5], units: null, market: marketOf(a) });

    expect(pair.annualizedVolatility).toBeCloseTo(single.annualizedVolatility ?? NaN, 6);
    expect(pair.averageCorrelation).toBeCloseTo(1, 6);
    expect(pair.beta).toBeCloseTo(1, 6);
    expect(pair.observations).toBe(n - 1);
    expect(diversificationOf([0.5, 0.5], pair.averageCorrelation).score).toBe(0);
  });

  it('measures beta 2 for a holding that moves twice the market', () => {
    const m = wiggle(n);
    const levered = wiggle(n, 2);
    expect(sut({ histories: [bars(levered)], weights: [1], units: null, market: marketOf(m) }).beta).toBeCloseTo(2, 6);
  });

  it('finds a 50 % drawdown in the buy-and-hold value of the held quantities', () => {
    const rise = Array.from({ length: 30 }, (_, i) => 100 + (100 * i) / 29);
    const fall = Array.from({ length: 30 }, (_, i) => 200 - (100 * (i + 1)) / 30);
    const risk = sut({ histories: [bars([...rise, ...fall])], weights: [1], units: [7], market: new Map() });
    expect(risk.maxDrawdown).toBeCloseTo(0.5, 6);
    expect(risk.beta).toBeNull();
  });

  it('computes Sharpe from the mean return, the risk-free rate and the volatility', () => {
    const risk = sut({ histories: [bars(wiggle(n))], weights: [1], units: null, market: new Map(), riskFreeRate: 0.02 });
    const expected = ((risk.annualizedReturn ?? NaN) - 0.02) / (risk.annualizedVolatility ?? NaN);
    expect(risk.sharpeRatio).toBeCloseTo(expected, 4);
    expect(risk.riskFreeRate).toBe(0.02);
  });

  it('gives zeros and nulls, never NaN, for flat prices and a flat market', () => {
    const flat = new Array(n).fill(50);
    const risk = sut({ histories: [bars(flat), bars(flat)], weights: [0.5, 0.5], units: null, market: marketOf(flat) });
    expect(risk).toMatchObject({ annualizedVolatility: 0, sharpeRatio: null, maxDrawdown: 0, beta: null, averageCorrelation: 0 });
    expect(noNaN(risk)).toBe(true);
    expect(noNaN(diversificationOf([0.5, 0.5], risk.averageCorrelation))).toBe(true);
  });

  it('leaves the figures null when the holdings share too few days', () => {
    const risk = sut({ histories: [bars(wiggle(n)), bars(wiggle(MIN_RISK_OBSERVATIONS))], weights: [0.5, 0.5], units: null, market: new Map() });
    expect(risk.observations).toBe(MIN_RISK_OBSERVATIONS - 1);
    expect(risk).toMatchObject({ annualizedVolatility: null, sharpeRatio: null, maxDrawdown: null, beta: null });
    expect(noNaN(risk)).toBe(true);
  });
});

describe(diversificationOf.name, () => {
  it('reports the Herfindahl index and the effective number of holdings', () => {
    expect(diversificationOf([0.25, 0.25, 0.25, 0.25], 0)).toEqual({ score: 75, herfindahl: 0.25, effectiveHoldings: 4, averageCorrelation: 0 });
  });
});
