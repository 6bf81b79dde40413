import { SymbolNotFoundError, UpstreamBadResponseError, UpstreamRateLimitedError, UpstreamUnavailableError } from '../../common/errors';
import type { YahooChartQuery, YahooFinanceClient, YahooModuleOptions } from './yahoo.client';
import { YahooMarketDataProvider } from './yahoo.provider';

// No network here: these tests pin the mapping of what yahoo-finance2 3.x returns and throws
// (shapes from shared/docs/upstream-formats.md B), through a fake with the library's method shapes.
const NOW = new Date('2018-02-08T15:00:00Z');

/** Named like the library's classes, which the provider matches by `name`. */
function libraryError(name: string, message: string, code?: number): Error {
  const error = new Error(message) as Error & { code?: number };
  error.name = name;
  if (code !== undefined) error.code = code;
  return error;
}

class FakeYahoo implements YahooFinanceClient {
  chartResult: unknown = { meta: { currency: 'USD' }, quotes: [] };
  quoteResult: unknown;
  summaryResult: unknown;
  failWith?: unknown;
  hang = false;
  readonly calls: Array<{ method: string; symbol: string; query: unknown; options?: YahooModuleOptions }> = [];

  chart(symbol: string, query: YahooChartQuery, options?: YahooModuleOptions): Promise<unknown> {
    return this.answer('chart', symbol, query, options, this.chartResult);
  }

  quote(symbol: string, query: Record<string, never>, options?: YahooModuleOptions): Promise<unknown> {
    return this.answer('quote', symbol, query, options, this.quoteResult);
  }

  quoteSummary(symbol: string, query: { modules: Array<'assetProfile' | 'price'> }, options?: YahooModuleOptions): Promise<unknown> {
    return this.answer('quoteSummary', symbol, query, options, this.summaryResult);
  }

  private async answer(method: string, symbol: string, query: unknown, options: YahooModuleOptions | undefined, result: unknown): Promise<unknown> {
    this.calls.push({ method, symbol, query, options });
    if (this.hang) return new Promise(() => undefined);
    if (this.failWith !== undefined) throw this.failWith;
    return result;
  }
}

/** A daily row as `chart()` returns it: a Date at the 09:30 New York open. */
function row(date: string, open: number | null, high: number | null, low: number | null, close: number | null, volume: number | null) {
  return { date: new Date(`${date}T14:30:00Z`), open, high, low, close, volume, adjclose: close };
}

describe(YahooMarketDataProvider.name, () => {
  let fake: FakeYahoo;
  let sut: YahooMarketDataProvider;

  beforeEach(() => {
    fake = new FakeYahoo();
    sut = new YahooMarketDataProvider({ client: fake, timeoutMs: 200, clock: () => NOW });
  });

  it('maps chart rows to bars on their New York date, dropping rows without a close', async () => {
    fake.chartResult = {
      meta: { currency: 'USD', symbol: 'AAPL' },
      quotes: [row('2018-02-05', 159.1, 163.88, 156, 156.49, 72738522), row('2018-02-06', null, null, null, 163.03, null), row('2018-02-07', 163.085, 163.4, 159.0685, null, null)],
    };

    expect(await sut.getHistory('AAPL', { interval: '1d', period: '1mo' })).toEqual([
      { date: '2018-02-05', open: 159.1, high: 163.88, low: 156, close: 156.49, volume: 72738522 },
      { date: '2018-02-06', open: null, high: null, low: null, close: 163.03, volume: 0 },
    ]);
    expect(fake.calls[0]).toMatchObject({ method: 'chart', symbol: 'AAPL', query: { interval: '1d', period2: NOW } });
    expect((fake.calls[0].query as YahooChartQuery).period1.getTime()).toBeLessThan(NOW.getTime() - 30 * 86_400_000);
    expect(fake.calls[0].options?.fetchOptions.signal).toBeInstanceOf(AbortSignal);
  });

  it('asks Yahoo for weekly bars with 1wk and sends share classes with a dash', async () => {
    fake.chartResult = { meta: {}, quotes: [row('2018-02-05', 1, 2, 0.5, 1.5, 10)] };

    const bars = await sut.getHistory('BRK.B', { interval: '1wk', period: '3mo' });

    expect(bars).toHaveLength(1);
    expect(fake.calls[0]).toMatchObject({ symbol: 'BRK-B', query: { interval: '1wk' } });
  });

  it('maps a quote, keeping our dotted symbol and the percent as Yahoo gives it', async () => {
    fake.quoteResult = {
      symbol: 'BRK-B',
      currency: 'USD',
      regularMarketPrice: 200.37,
      regularMarketPreviousClose: 203.5,
      regularMarketChange: -3.13,
      regularMarketChangePercent: -1.538,
      regularMarketVolume: 5758041,
      regularMarketTime: new Date('2018-02-07T21:00:00Z'),
    };

    expect(await sut.getQuote('brk-b')).toEqual({
      symbol: 'BRK.B',
      price: 200.37,
      previousClose: 203.5,
      change: -3.13,
      changePercent: -1.538,
      volume: 5758041,
      asOf: '2018-02-07T21:00:00.000Z',
      currency: 'USD',
    });
    expect(fake.calls[0].symbol).toBe('BRK-B');
  });

  it('maps quoteSummary assetProfile and price to info', async () => {
    fake.summaryResult = {
      assetProfile: { sector: 'Technology', industry: 'Consumer Electronics' },
      price: { longName: 'Apple Inc.', marketCap: 809474052000, exchangeName: 'NasdaqGS', currency: 'USD' },
    };

    expect(await sut.getInfo('AAPL')).toEqual({
      symbol: 'AAPL',
      name: 'Apple Inc.',
      sector: 'Technology',
      industry: 'Consumer Electronics',
      marketCap: 809474052000,
      exchange: 'NasdaqGS',
      currency: 'USD',
    });
    expect(fake.calls[0].query).toEqual({ modules: ['assetProfile', 'price'] });
  });

  it('leaves what Yahoo does not say unknown, never invented', async () => {
    fake.summaryResult = { price: { shortName: 'SPDR S&P 500' } };

    expect(await sut.getInfo('SPY')).toMatchObject({ name: 'SPDR S&P 500', sector: 'Unknown', industry: 'Unknown', marketCap: null });
  });

  it('lists the bundled S&P 500 (Yahoo has no listing) without calling it', async () => {
    expect(await sut.listSymbols('sp500')).toHaveLength(503);
    expect((await sut.listSymbols('energy')).every((s) => s.sector === 'Energy')).toBe(true);
    expect(fake.calls).toHaveLength(0);
  });

  describe('maps library errors to domain errors', () => {
    it.each([
      ['HTTPError 429', libraryError('HTTPError', 'Too Many Requests', 429), UpstreamRateLimitedError],
      ['a plain-text 429 on the crumb step', new Error('Edge: Too Many Requests'), UpstreamRateLimitedError],
      ['HTTPError 500', libraryError('HTTPError', 'Internal Server Error', 500), UpstreamUnavailableError],
      ['HTTPError 404', libraryError('HTTPError', 'Not Found', 404), SymbolNotFoundError],
      ['FailedYahooValidationError', libraryError('FailedYahooValidationError', 'Failed Yahoo Schema validation'), UpstreamBadResponseError],
      ['a Not Found chart error', new Error('No data found, symbol may be delisted'), SymbolNotFoundError],
      ['a network failure', new TypeError('fetch failed'), UpstreamUnavailableError],
    ])('%s', async (_, error, expected) => {
      fake.failWith = error;

      await expect(sut.getHistory('AAPL', { interval: '1d', period: '1y' })).rejects.toBeInstanceOf(expected);
    });

    it('an unknown symbol answered with undefined by quote()', async () => {
      fake.quoteResult = undefined;

      await expect(sut.getQuote('ZZZZ')).rejects.toBeInstanceOf(SymbolNotFoundError);
    });

    it('a result of the wrong shape', async () => {
      fake.chartResult = { meta: {}, quotes: 'nope' };
      fake.quoteResult = { regularMarketPrice: 'x' };

      await expect(sut.getHistory('AAPL', { interval: '1d', period: '1y' })).rejects.toBeInstanceOf(UpstreamBadResponseError);
      await expect(sut.getQuote('AAPL')).rejects.toBeInstanceOf(UpstreamBadResponseError);
    });

    it('a call that outlives the deadline', async () => {
      fake.hang = true;
      const started = performance.now();

      await expect(sut.getQuote('AAPL')).rejects.toThrow(/yahoo: timed out after 200 ms/);
      expect(performance.now() - started).toBeLessThan(1000);
    });
  });
});
