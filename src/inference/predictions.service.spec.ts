import { CacheBuilder } from '../../test/support/cache.builder';
import { artifact } from '../../test/support/model-artifact.builder';
import { InsufficientDataError, SymbolNotFoundError, UpstreamUnavailableError } from '../common/errors';
import type { MarketDataService } from '../market-data/market-data.service';
import type { Bar, HistoryQuery } from '../market-data/market-data.types';
import { FEATURE_NAMES } from './feature-builder';
import { ModelRuntime } from './model-runtime';
import { PredictionsService } from './predictions.service';

const bars = (length: number, slope = 0.001): Bar[] =>
  Array.from({ length }, (_, i) => ({
    date: new Date(Date.UTC(2017, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
    open: null,
    high: null,
    low: null,
    close: 50 * Math.exp(slope * i + 0.02 * Math.sin(i / 5)),
    volume: 1e6 + (i % 11) * 1e4,
  }));

// Weight 20 on the raw ret21 only (the fixture standardizes with mean 0, std 1): rising series are bullish, falling ones bearish.
const weights = FEATURE_NAMES.map((name) => (name === 'ret21' ? 20 : 0));
const model = new ModelRuntime(artifact({ model: { kind: 'logistic-regression', intercept: 0, weights, l2: 0 } }));

describe(PredictionsService.name, () => {
  let sut: PredictionsService;
  let getHistory: jest.Mock<Promise<Bar[]>, [string, HistoryQuery]>;
  let probabilityUp: jest.SpyInstance;

  beforeEach(async () => {
    const cache = await new CacheBuilder().withL1Only().build();
    getHistory = jest.fn(async (symbol: string, _query: HistoryQuery) => {
      if (symbol.startsWith('ZZ')) throw new SymbolNotFoundError(symbol);
      if (symbol === 'IPO') return bars(60);
      return bars(504, symbol === 'DOWN' ? -0.002 : 0.002);
    });
    probabilityUp = jest.spyOn(model, 'probabilityUp');
    probabilityUp.mockClear();
    sut = new PredictionsService(cache.sut, { getHistory } as unknown as MarketDataService, model);
  });

  it('predicts from two years of daily bars and caches the answer per model version, symbol and date', async () => {
    const first = await sut.predict(' aapl ');
    const again = await sut.predict('AAPL');

    expect(first).toEqual({
      symbol: 'AAPL',
      model: { name: 'test-model', version: '0.0.1' },
      horizonDays: 20,
      probabilityUp: expect.any(Number),
      signal: 'bullish',
      asOf: bars(504).at(-1)?.date,
    });
    expect(first.probabilityUp).toBeGreaterThan(0.5);
    expect(again).toEqual(first);
    expect(getHistory).toHaveBeenCalledWith('AAPL', { interval: '1d', period: '2y' });
    expect(probabilityUp).toHaveBeenCalledTimes(1);
  });

  it('explains itself on request from the same cached entry', async () => {
    const plain = await sut.predict('DOWN');
    const explained = await sut.predict('DOWN', { explain: true });

    expect(plain.signal).toBe('bearish');
    expect(Object.keys(explained.features ?? {})).toEqual([...FEATURE_NAMES]);
    expect(explained).toMatchObject(plain);
    expect(probabilityUp).toHaveBeenCalledTimes(1);
  });

  it('lets SymbolNotFoundError through and refuses a history shorter than the lookback', async () => {
    await expect(sut.predict('ZZZZ')).rejects.toThrow(SymbolNotFoundError);
    await expect(sut.predict('IPO')).rejects.toThrow(new InsufficientDataError('IPO has 60 daily bars; the model needs at least 252'));
  });

  it('merges duplicates, lists unknown and too-young symbols apart, keeps request order', async () => {
    const result = await sut.predictMany(['msft', 'ZZ1', 'AAPL', 'MSFT ', 'IPO', 'zz2', 'DOWN']);

    expect(result.predictions.map((p) => p.symbol)).toEqual(['MSFT', 'AAPL', 'DOWN']);
    expect(result.unknown).toEqual(['ZZ1', 'ZZ2']);
    expect(result.insufficientHistory).toEqual(['IPO']);
    expect(result.stats).toEqual({ cached: 0, computed: 3 });
    expect(result.predictions.every((p) => p.features === undefined)).toBe(true);
  });

  it('computes only the misses and shares entries with single predictions', async () => {
    await sut.predict('AAPL');
    await sut.predictMany(['MSFT', 'AAPL']);
    probabilityUp.mockClear();

    const result = await sut.predictMany(['AAPL', 'MSFT', 'NVDA'], { explain: true });

    expect(result.stats).toEqual({ cached: 2, computed: 1 });
    expect(probabilityUp).toHaveBeenCalledTimes(1);
    expect(result.predictions.every((p) => p.features !== undefined)).toBe(true);
  });

  it('fails the batch on upstream trouble rather than calling those symbols unknown', async () => {
    getHistory.mockRejectedValueOnce(new UpstreamUnavailableError('test', 'down'));

    await expect(sut.predictMany(['AAPL', 'MSFT'])).rejects.toThrow(UpstreamUnavailableError);
  });
});
