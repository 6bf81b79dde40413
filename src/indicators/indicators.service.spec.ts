import { CacheBuilder } from '../../test/support/cache.builder';
import { InvalidArgumentError } from '../common/errors';
import type { MarketDataService } from '../market-data/market-data.service';
import type { Bar, BarInterval, HistoryQuery } from '../market-data/market-data.types';
import { IndicatorsService } from './indicators.service';

const BARS_PER_PERIOD: Record<string, number> = { '2y': 504, '5y': 1260, max: 2800 };

function fakeHistory(query: HistoryQuery): Bar[] {
  const length = Math.round(BARS_PER_PERIOD[query.period] / (query.interval === '1wk' ? 5 : 1));
  return Array.from({ length }, (_, i) => {
    const close = 50 + 5 * Math.sin(i / 9) + i / 50;
    const date = new Date(Date.UTC(2010, 0, 4) + i * 86_400_000).toISOString().slice(0, 10);
    return { date, open: close, high: close + 0.5, low: close - 0.5, close, volume: 1000 };
  });
}

describe(IndicatorsService.name, () => {
  let sut: IndicatorsService;
  let getHistory: jest.Mock<Promise<Bar[]>, [string, HistoryQuery]>;

  beforeEach(async () => {
    const cache = await new CacheBuilder().withL1Only().build();
    getHistory = jest.fn(async (_symbol: string, query: HistoryQuery) => fakeHistory(query));
    sut = new IndicatorsService(cache.sut, { getHistory } as unknown as MarketDataService);
  });

  const periodAsked = () => getHistory.mock.calls.at(-1)?.[1];

  it('throws InvalidArgumentError naming every bad name, for callers outside HTTP too', async () => {
    await expect(sut.getIndicators('AAPL', { names: ['rsi14', 'foo', 'sma1'] })).rejects.toThrow(InvalidArgumentError);
    await expect(sut.getIndicators('AAPL', { names: ['rsi14', 'foo', 'sma1'] })).rejects.toThrow(/foo, sma1/);
    await expect(sut.getIndicators('AAPL', { names: [] })).rejects.toThrow(InvalidArgumentError);
    await expect(sut.getIndicators('AAPL', { series: true, points: 1001 })).rejects.toThrow(/points/);
    await expect(sut.getIndicators('AAPL', { interval: '1h' as BarInterval })).rejects.toThrow(/interval/);
    expect(getHistory).not.toHaveBeenCalled();
  });

  it('fetches enough history for the longest lookback plus warm-up', async () => {
    await sut.getIndicators('AAPL');
    expect(periodAsked()).toEqual({ interval: '1d', period: '2y' });

    await sut.getIndicators('AAPL', { names: ['sma20'], series: true, points: 1000 });
    expect(periodAsked()).toEqual({ interval: '1d', period: '5y' });

    await sut.getIndicators('AAPL', { names: ['ema50'], series: true, points: 1000 });
    expect(periodAsked()).toEqual({ interval: '1d', period: 'max' });

    await sut.getIndicators('AAPL', { interval: '1wk' });
    expect(periodAsked()).toEqual({ interval: '1wk', period: 'max' });
  });

  it('caches one answer per symbol, interval and normalized name set', async () => {
    const first = await sut.getIndicators('aapl', { names: ['sma20', 'RSI14'] });
    const reordered = await sut.getIndicators('AAPL', { names: ['rsi14', 'sma20'], points: 5 });
    await sut.getIndicators('AAPL', { names: ['rsi14', 'sma20'], series: true, points: 5 });
    await sut.getIndicators('AAPL', { names: ['rsi14', 'sma20'], series: true, points: 6 });

    expect(reordered).toEqual(first);
    expect(getHistory).toHaveBeenCalledTimes(3);
  });

  it('answers the latest values and, on request, the last points of each series', async () => {
    const result = await sut.getIndicators('MSFT', { names: ['sma20', 'macd', 'bbands20'], series: true, points: 3 });
    const bars = fakeHistory({ interval: '1d', period: '2y' });

    expect(result).toMatchObject({ symbol: 'MSFT', interval: '1d', asOf: bars.at(-1)?.date });
    expect(result.values.sma20).toBeCloseTo(bars.slice(-20).reduce((s, b) => s + b.close, 0) / 20, 10);
    expect(result.series?.macd.map((p) => p.date)).toEqual(bars.slice(-3).map((b) => b.date));
    expect(result.series?.bbands20.at(-1)?.value).toEqual(result.values.bbands20);
  });

  it('answers nulls, not an error, when the history is shorter than a lookback', async () => {
    getHistory.mockResolvedValueOnce(fakeHistory({ interval: '1d', period: '2y' }).slice(0, 30));

    const result = await sut.getIndicators('NEW', { names: ['sma20', 'ema50', 'macd'] });

    expect(result.values).toEqual({ sma20: expect.any(Number), ema50: null, macd: null });
  });
});
