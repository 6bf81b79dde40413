import { SymbolNotFoundError, UpstreamUnavailableError } from '../../common/errors';
import type { Bar, Quote, SymbolInfo } from '../market-data.types';
import { LimitedMarketDataProvider } from './limited.provider';
import { MarketDataProvider } from './market-data.provider';

/** Counts how many of its calls overlap; each takes a few ms so that calls pile up. */
class SlowProvider extends MarketDataProvider {
  readonly name = 'slow';
  inFlight = 0;
  maxInFlight = 0;
  started: string[] = [];

  async getQuote(symbol: string): Promise<Quote> {
    this.started.push(symbol);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 1 + (symbol.length % 3)));
    this.inFlight--;
    if (symbol === 'GONE') throw new SymbolNotFoundError(symbol);
    if (symbol === 'DOWN') throw new UpstreamUnavailableError(this.name, 'down');
    return { symbol, price: 1, previousClose: 1, change: 0, changePercent: 0, volume: 0, asOf: '2024-01-02T21:00:00.000Z', currency: 'USD' };
  }

  async getHistory(): Promise<Bar[]> {
    return [];
  }

  async getInfo(symbol: string): Promise<SymbolInfo> {
    return { symbol, name: symbol, sector: 'Unknown', industry: 'Unknown', marketCap: null, exchange: 'Unknown', currency: 'USD' };
  }

  async listSymbols(): Promise<SymbolInfo[]> {
    return [];
  }
}

describe(LimitedMarketDataProvider.name, () => {
  let inner: SlowProvider;
  let sut: LimitedMarketDataProvider;

  beforeEach(() => {
    inner = new SlowProvider();
    sut = new LimitedMarketDataProvider(inner, 4);
  });

  it('never runs more than N calls at once under 200 concurrent callers, in arrival order', async () => {
    const symbols = Array.from({ length: 200 }, (_, i) => `S${i}`);

    const pending = symbols.map((s) => sut.getQuote(s));
    const midway = sut.stats();
    const quotes = await Promise.all(pending);

    expect(midway).toMatchObject({ calls: 200, inFlight: 4, queued: 196 });
    expect(inner.maxInFlight).toBe(4);
    expect(inner.started).toEqual(symbols);
    expect(quotes.map((q) => q.symbol)).toEqual(symbols);
    expect(sut.stats()).toMatchObject({ calls: 200, failures: 0, inFlight: 0, queued: 0 });
  });

  it('counts calls per method', async () => {
    await Promise.all([sut.getQuote('A'), sut.getHistory('A', { interval: '1d', period: '1y' }), sut.getInfo('A'), sut.getInfo('B')]);
    await sut.listSymbols('all');

    expect(sut.stats().byMethod).toEqual({
      getQuote: { calls: 1, failures: 0 },
      getHistory: { calls: 1, failures: 0 },
      getInfo: { calls: 2, failures: 0 },
      listSymbols: { calls: 1, failures: 0 },
    });
  });

  it('counts upstream failures but not unknown symbols, and frees the slot either way', async () => {
    const results = await Promise.allSettled([...Array.from({ length: 10 }, () => sut.getQuote('DOWN')), sut.getQuote('GONE'), sut.getQuote('OK')]);

    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(11);
    expect(sut.stats()).toMatchObject({ calls: 12, failures: 10, inFlight: 0, queued: 0 });
    expect(sut.stats().byMethod.getQuote).toEqual({ calls: 12, failures: 10 });
  });

  it('takes the inner provider name', () => {
    expect(sut.name).toBe('slow');
  });

  it('rejects a limit below 1', () => {
    expect(() => new LimitedMarketDataProvider(inner, 0)).toThrow('maxConcurrency');
  });
});
