import { CacheBuilder } from '../../test/support/cache.builder';
import { NotFoundError, SymbolNotFoundError } from '../common/errors';
import type { MarketDataService } from '../market-data/market-data.service';
import type { Bar, SymbolInfo } from '../market-data/market-data.types';
import type { BatchPredictionsResponse } from '../inference/predictions.dto';
import type { PredictionsService } from '../inference/predictions.service';
import type { ScoresService } from '../scores/scores.service';
import { MarketProxy } from './market-proxy';
import { PortfolioService } from './portfolio.service';
import { SectorBenchmark } from './sector-benchmark';

const SECTORS: Record<string, string> = { AAPL: 'Tech', MSFT: 'Tech', XOM: 'Energy', CVX: 'Energy', JPM: 'Financials' };
const PRICES: Record<string, number> = { AAPL: 200, MSFT: 400, XOM: 100, CVX: 150, JPM: 250 };

const history = (symbol: string): Bar[] =>
  Array.from({ length: 120 }, (_, i) => {
    const phase = symbol.charCodeAt(0) + symbol.length;
    const close = PRICES[symbol] * Math.exp(0.01 * Math.sin(i + phase) + 0.0002 * i);
    return { date: new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().slice(0, 10), open: null, high: null, low: null, close, volume: 1 };
  });

const info = (symbol: string): SymbolInfo => ({
  symbol,
  name: symbol,
  sector: SECTORS[symbol],
  industry: 'x',
  marketCap: PRICES[symbol] * 1e9,
  exchange: 'X',
  currency: 'USD',
});

function known(symbol: string): void {
  if (!SECTORS[symbol]) throw new SymbolNotFoundError(symbol);
}

describe(PortfolioService.name, () => {
  let marketData: { [K in 'getInfo' | 'getPrice' | 'getHistory' | 'listSymbols']: jest.Mock };

  const noPredictions = async (symbols: string[]): Promise<BatchPredictionsResponse> => ({
    predictions: [],
    unknown: [],
    insufficientHistory: symbols,
    stats: { cached: 0, computed: 0 },
  });

  async function build(predictMany = noPredictions): Promise<PortfolioService> {
    const cache = (await new CacheBuilder().withL1Only().build()).sut;
    marketData = {
      getInfo: jest.fn(async (s: string) => (known(s), info(s))),
      getPrice: jest.fn(async (s: string) => (known(s), { symbol: s, price: PRICES[s], asOf: '2024-05-01T20:00:00.000Z' })),
      getHistory: jest.fn(async (s: string) => (known(s), history(s))),
      listSymbols: jest.fn(async () => Object.keys(SECTORS).map(info)),
    };
    const md = marketData as unknown as MarketDataService;
    const scores = { scoreSymbol: jest.fn(async (s: string) => ({ symbol: s, composite: PRICES[s] / 10, confidence: 0.5 })) } as unknown as ScoresService;
    return new PortfolioService(cache, md, scores, new MarketProxy(md), new SectorBenchmark(cache, md, scores), { predictMany } as unknown as PredictionsService);
  }

  it('values a quantity portfolio, lists unknown symbols apart and leaves predictions null where the model has none', async () => {
    const sut = await build();

    const result = await sut.analyze({ holdings: [{ symbol: 'AAPL', quantity: 10 }, { symbol: 'XOM', quantity: 20 }, { symbol: 'NOPE', quantity: 1 }] });

    expect(result.totalValue).toBe(4000);
    expect(result.weights).toEqual({ AAPL: 0.5, XOM: 0.5 });
    expect(result.unknown).toEqual(['NOPE']);
    expect(result.holdings.map((h) => h.prediction)).toEqual([null, null]);
    expect(result.risk.observations).toBe(119);
    expect(result.notes).toContain('no prediction (too little history): AAPL, XOM');
    expect(result.servedFromCache).toBe(false);
  });

  it('serves the same holdings in another order, case and split from the cache, with this request’s notes', async () => {
    const sut = await build();
    const first = await sut.analyze({ holdings: [{ symbol: 'AAPL', quantity: 10 }, { symbol: 'MSFT', quantity: 5 }] });
    const calls = marketData.getHistory.mock.calls.length;

    const again = await sut.analyze({ holdings: [{ symbol: 'msft', quantity: 5 }, { symbol: 'aapl', quantity: 4 }, { symbol: 'AAPL', quantity: 6 }] });

    expect(again.servedFromCache).toBe(true);
    expect(again.computedAt).toBe(first.computedAt);
    expect(again.notes).toEqual(['AAPL appeared 2 times; merged into one holding (quantity 10)', ...first.notes]);
    expect(marketData.getHistory.mock.calls.length).toBe(calls);
  });

  it('includes each holding’s prediction from one batch call', async () => {
    const prediction = { symbol: 'AAPL', model: { name: 'm', version: '1' }, horizonDays: 20, probabilityUp: 0.6, signal: 'bullish' as const, asOf: '2024-04-29' };
    const predictMany = jest.fn(async () => ({ predictions: [prediction], unknown: [], insufficientHistory: ['XOM'], stats: { cached: 0, computed: 1 } }));
    const sut = await build(predictMany);

    const result = await sut.analyze({ holdings: [{ symbol: 'AAPL', weight: 1 }, { symbol: 'XOM', weight: 1 }] });

    expect(predictMany).toHaveBeenCalledTimes(1);
    expect(result.holdings.map((h) => h.prediction)).toEqual([prediction, null]);
    expect(result.totalValue).toBeNull();
  });

  it('answers with null predictions, uncached, when the model inputs fail upstream', async () => {
    const sut = await build(async () => {
      throw new Error('upstream down');
    });
    const holdings = [{ symbol: 'AAPL', quantity: 1 }];

    const first = await sut.analyze({ holdings });
    const again = await sut.analyze({ holdings });

    expect(first.holdings[0].prediction).toBeNull();
    expect(first.notes).toContain('predictions unavailable right now');
    expect(again.servedFromCache).toBe(false);
  });

  it('fails with NotFoundError when no holding is known', async () => {
    const sut = await build();
    await expect(sut.analyze({ holdings: [{ symbol: 'NOPE', quantity: 1 }] })).rejects.toThrow(NotFoundError);
  });
});
