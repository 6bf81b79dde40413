import { CacheBuilder } from '../../test/support/cache.builder';
import { InvalidArgumentError, SymbolNotFoundError } from '../common/errors';
import type { MarketDataService } from '../market-data/market-data.service';
import type { Bar, HistoryQuery } from '../market-data/market-data.types';
import type { ScoreHorizon } from './score-model';
import { ScoresService } from './scores.service';

const bars = (length: number): Bar[] =>
  Array.from({ length }, (_, i) => {
    const close = 40 * Math.exp(0.0005 * i + 0.02 * Math.sin(i / 7));
    return { date: new Date(Date.UTC(2018, 0, 1) + i * 86_400_000).toISOString().slice(0, 10), open: null, high: null, low: null, close, volume: 1 };
  });

describe(ScoresService.name, () => {
  let sut: ScoresService;
  let getHistory: jest.Mock<Promise<Bar[]>, [string, HistoryQuery]>;

  beforeEach(async () => {
    const cache = await new CacheBuilder().withL1Only().build();
    getHistory = jest.fn(async (_symbol: string, query: HistoryQuery) => bars(query.period === '2y' ? 504 : 1260));
    sut = new ScoresService(cache.sut, { getHistory } as unknown as MarketDataService);
  });

  it('fetches one daily history per symbol and horizon and caches the score', async () => {
    const first = await sut.scoreSymbol('aapl', 'long');
    const again = await sut.scoreSymbol('AAPL', 'long');

    expect(again).toEqual(first);
    expect(first).toMatchObject({ symbol: 'AAPL', horizon: 'long', dataPoints: 778 });
    expect(getHistory).toHaveBeenCalledTimes(1);
    expect(getHistory).toHaveBeenCalledWith('AAPL', { interval: '1d', period: '5y' });
  });

  it('scores the medium horizon by default from two years of bars', async () => {
    expect(await sut.scoreSymbol('MSFT')).toMatchObject({ horizon: 'medium', dataPoints: 504 });
    expect(getHistory).toHaveBeenCalledWith('MSFT', { interval: '1d', period: '2y' });
  });

  it('scores a young listing with low confidence instead of failing', async () => {
    getHistory.mockResolvedValueOnce(bars(40));

    const result = await sut.scoreSymbol('IPO', 'medium');

    expect(result.momentum).toBeNull();
    expect(result.composite).not.toBeNull();
    expect(result.confidence).toBeLessThan(0.1);
  });

  it('lets SymbolNotFoundError through and rejects an unknown horizon', async () => {
    getHistory.mockRejectedValueOnce(new SymbolNotFoundError('NOPE'));

    await expect(sut.scoreSymbol('NOPE', 'short')).rejects.toThrow(SymbolNotFoundError);
    await expect(sut.scoreSymbol('AAPL', 'weekly' as ScoreHorizon)).rejects.toThrow(InvalidArgumentError);
  });
});
