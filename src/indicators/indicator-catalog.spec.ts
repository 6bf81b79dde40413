import type { Bar } from '../market-data/market-data.types';
import { barsNeeded, computeIndicator, parseIndicatorName, parseIndicatorNames, type IndicatorSpec } from './indicator-catalog';

describe(parseIndicatorName.name, () => {
  const sut = parseIndicatorName;

  it.each([
    ['rsi14', { kind: 'rsi', name: 'rsi14', period: 14 }],
    ['sma20', { kind: 'sma', name: 'sma20', period: 20 }],
    ['ema50', { kind: 'ema', name: 'ema50', period: 50 }],
    ['atr14', { kind: 'atr', name: 'atr14', period: 14 }],
    ['bbands20', { kind: 'bbands', name: 'bbands20', period: 20 }],
    ['macd', { kind: 'macd', name: 'macd', fast: 12, slow: 26, signal: 9 }],
    ['macd_5_35_5', { kind: 'macd', name: 'macd_5_35_5', fast: 5, slow: 35, signal: 5 }],
    [' SMA200 ', { kind: 'sma', name: 'sma200', period: 200 }],
  ])('parses %p', (name, expected) => {
    expect(sut(name)).toEqual(expected);
  });

  it('accepts the period bounds 2 and 500', () => {
    expect(sut('sma2')).toMatchObject({ period: 2 });
    expect(sut('ema500')).toMatchObject({ period: 500 });
    expect(sut('macd_2_500_2')).toMatchObject({ fast: 2, slow: 500 });
  });

  it.each(['sma1', 'sma501', 'rsi999', 'macd_1_26_9', 'macd_12_501_9', 'macd_12_26_1'])('rejects %p as out of bounds', (name) => {
    expect(sut(name)).toBeNull();
  });

  it.each(['foo', '', 'sma', 'rsi', 'sma020', 'sma-5', 'sma2.5', 'rsi14x', 'xrsi14', 'macd_12_26', 'macd12269', 'sma1000', 'bbands20_3'])(
    'rejects malformed %p',
    (name) => {
      expect(sut(name)).toBeNull();
    },
  );

  it('rejects a MACD whose fast period is not shorter than its slow one', () => {
    expect(sut('macd_26_12_9')).toBeNull();
    expect(sut('macd_20_20_9')).toBeNull();
  });
});

describe(parseIndicatorNames.name, () => {
  const sut = parseIndicatorNames;

  it('collapses duplicates and lists every invalid name in order', () => {
    const result = sut(['rsi14', 'foo', 'RSI14', 'sma1', 'macd']);

    expect(result.specs.map((s) => s.name)).toEqual(['rsi14', 'macd']);
    expect(result.invalid).toEqual(['foo', 'sma1']);
  });
});

describe(barsNeeded.name, () => {
  it('adds a warm-up only to the smoothed indicators', () => {
    expect(barsNeeded(parseIndicatorName('sma20') as IndicatorSpec)).toBe(20);
    expect(barsNeeded(parseIndicatorName('bbands20') as IndicatorSpec)).toBe(20);
    expect(barsNeeded(parseIndicatorName('ema50') as IndicatorSpec)).toBe(50 + 7 * 50);
    expect(barsNeeded(parseIndicatorName('rsi14') as IndicatorSpec)).toBe(15 + 7 * 14);
    expect(barsNeeded(parseIndicatorName('macd') as IndicatorSpec)).toBe(34 + 7 * 26);
  });
});

describe(computeIndicator.name, () => {
  const sut = computeIndicator;
  const bars: Bar[] = Array.from({ length: 60 }, (_, i) => {
    const close = 100 + 10 * Math.sin(i / 5) + i / 10;
    return { date: `2024-01-${String(i + 1).padStart(2, '0')}`, open: close, high: close + 1, low: close - 1.5, close, volume: 1000 };
  });
  const spec = (name: string) => parseIndicatorName(name) as IndicatorSpec;

  it('returns one value per bar, null until the indicator has enough bars', () => {
    const sma = sut(spec('sma20'), bars);
    const rsi = sut(spec('rsi14'), bars);
    const macd = sut(spec('macd'), bars);

    expect(sma).toHaveLength(60);
    expect(sma[18]).toBeNull();
    expect(sma[19]).toBeCloseTo(bars.slice(0, 20).reduce((s, b) => s + b.close, 0) / 20, 12);
    expect(rsi[13]).toBeNull();
    expect(typeof rsi[14]).toBe('number');
    expect(macd[32]).toBeNull();
    expect(macd[33]).toEqual({ macd: expect.any(Number), signal: expect.any(Number), histogram: expect.any(Number) });
  });

  it('gives only nulls when there are fewer bars than the lookback', () => {
    expect(sut(spec('ema50'), bars.slice(0, 49)).every((v) => v === null)).toBe(true);
    expect(sut(spec('macd'), bars.slice(0, 30)).every((v) => v === null)).toBe(true);
    expect(sut(spec('atr14'), [])).toEqual([]);
  });

  it('treats a missing high/low as the close instead of crashing or yielding NaN', () => {
    const gappy = bars.map((b, i) => (i % 7 === 3 ? { ...b, open: null, high: null, low: null } : b));
    const filled = gappy.map((b) => ({ ...b, high: b.high ?? b.close, low: b.low ?? b.close }));

    const atr = sut(spec('atr14'), gappy);
    const bands = sut(spec('bbands20'), gappy);

    expect(atr.slice(14).every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
    expect(atr).toEqual(sut(spec('atr14'), filled));
    expect(bands).toEqual(sut(spec('bbands20'), bars));
  });

  it('answers RSI 100 when a window has no losses', () => {
    const rising = bars.map((b, i) => ({ ...b, close: 50 + i }));
    expect(sut(spec('rsi14'), rising).at(-1)).toBe(100);
  });
});
