import { SymbolNotFoundError, UpstreamBadResponseError, UpstreamRateLimitedError } from '../../common/errors';
import { createYahooFinanceClient } from './yahoo.client';
import { YahooMarketDataProvider } from './yahoo.provider';

// The real yahoo-finance2 3.x, with its `fetch` option pointed at canned responses (no network
// here). Only chart() is driven this way: quote() and quoteSummary() first fetch a cookie and a
// crumb from Yahoo's web pages, which a canned fetch cannot stand in for honestly.
const CHART = {
  chart: {
    result: [
      {
        meta: {
          currency: 'USD',
          symbol: 'AAPL',
          exchangeName: 'NMS',
          instrumentType: 'EQUITY',
          firstTradeDate: 345479400,
          regularMarketTime: 1518037200,
          gmtoffset: -18000,
          timezone: 'EST',
          exchangeTimezoneName: 'America/New_York',
          regularMarketPrice: 159.54,
          chartPreviousClose: 156.49,
          priceHint: 2,
          currentTradingPeriod: {
            pre: { timezone: 'EST', start: 1517994000, end: 1518013800, gmtoffset: -18000 },
            regular: { timezone: 'EST', start: 1518013800, end: 1518037200, gmtoffset: -18000 },
            post: { timezone: 'EST', start: 1518037200, end: 1518051600, gmtoffset: -18000 },
          },
          dataGranularity: '1d',
          range: '',
          validRanges: ['1d', '5d', '1mo', '3mo', '6mo', '1y', '2y', '5y', '10y', 'ytd', 'max'],
        },
        timestamp: [1517927400, 1518013800],
        indicators: {
          quote: [{ open: [154.83, 163.085], high: [163.72, 163.4], low: [154.0, 159.0685], close: [163.03, 159.54], volume: [68243838, 51608580] }],
          adjclose: [{ adjclose: [155.12, 151.8] }],
        },
      },
    ],
    error: null,
  },
};

function cannedFetch(status: number, body: string, urls: string[]): typeof fetch {
  return async (input) => {
    urls.push(String(input instanceof Request ? input.url : input));
    return new Response(body, { status, headers: { 'content-type': status === 200 ? 'application/json' : 'text/plain' } });
  };
}

describe(createYahooFinanceClient.name, () => {
  const NOW = new Date('2018-02-08T15:00:00Z');

  // The library prints the URL of every non-2xx response with console.error.
  beforeEach(() => jest.spyOn(console, 'error').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  async function createSut(status: number, body: string, urls: string[] = []): Promise<YahooMarketDataProvider> {
    const client = await createYahooFinanceClient({ maxConcurrency: 2, fetch: cannedFetch(status, body, urls) });
    return new YahooMarketDataProvider({ client, timeoutMs: 2000, clock: () => NOW });
  }

  it('turns a recorded-format chart response into our bars through the real library', async () => {
    const urls: string[] = [];
    const sut = await createSut(200, JSON.stringify(CHART), urls);

    expect(await sut.getHistory('AAPL', { interval: '1d', period: '1mo' })).toEqual([
      { date: '2018-02-06', open: 154.83, high: 163.72, low: 154.0, close: 163.03, volume: 68243838 },
      { date: '2018-02-07', open: 163.085, high: 163.4, low: 159.0685, close: 159.54, volume: 51608580 },
    ]);
    expect(urls).toHaveLength(1);
    expect(urls[0]).toMatch(/\/v8\/finance\/chart\/AAPL\?/);
    expect(urls[0]).toContain('interval=1d');
  });

  it('sends share classes with a dash', async () => {
    const urls: string[] = [];
    const sut = await createSut(200, JSON.stringify(CHART), urls);

    await sut.getHistory('BRK.B', { interval: '1wk', period: '1mo' });

    expect(urls[0]).toMatch(/\/v8\/finance\/chart\/BRK-B\?/);
    expect(urls[0]).toContain('interval=1wk');
  });

  it('maps a response that fails the library schema to UpstreamBadResponseError, naming the field', async () => {
    const { currentTradingPeriod: _dropped, ...meta } = CHART.chart.result[0].meta;
    const sut = await createSut(200, JSON.stringify({ chart: { result: [{ ...CHART.chart.result[0], meta }], error: null } }));

    const error = await sut.getHistory('AAPL', { interval: '1d', period: '1mo' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect((error as Error).message).toBe('yahoo: response did not match the library schema (/meta: Missing required properties)');
  });

  it("maps Yahoo's plain-text 429 to UpstreamRateLimitedError", async () => {
    const sut = await createSut(429, 'Too Many Requests');

    await expect(sut.getHistory('AAPL', { interval: '1d', period: '1mo' })).rejects.toBeInstanceOf(UpstreamRateLimitedError);
  });

  it('maps the "No data found" chart error to SymbolNotFoundError', async () => {
    const body = JSON.stringify({ chart: { result: null, error: { code: 'Not Found', description: 'No data found, symbol may be delisted' } } });
    const sut = await createSut(404, body);

    await expect(sut.getHistory('ZZZZ', { interval: '1d', period: '1mo' })).rejects.toBeInstanceOf(SymbolNotFoundError);
  });
});
