import { Logger } from '@nestjs/common';
import { PolygonMockServer } from '../../../test/support/polygon-mock.server';
import { SymbolNotFoundError, UpstreamBadResponseError, UpstreamRateLimitedError, UpstreamUnavailableError } from '../../common/errors';
import type { Bar } from '../market-data.types';
import { CsvMarketDataProvider } from './csv.provider';
import { LimitedMarketDataProvider } from './limited.provider';
import { PolygonMarketDataProvider, type PolygonProviderOptions } from './polygon.provider';
import { sharedData } from '../../../test/support/shared-data';

const KEY = 'pk_test_9f8e7d6c5b4a';
const AGGS = /\/v2\/aggs\/ticker\/AAPL\/range\//;
// The day after the sample file's last bar, mid-session in New York.
const NOW = new Date('2018-02-08T15:00:00Z');
const csv = new CsvMarketDataProvider({ path: sharedData('sp500-daily-sample-50.csv') });

describe(PolygonMarketDataProvider.name, () => {
  let mock: PolygonMockServer;
  let apple: Bar[];

  beforeAll(async () => {
    apple = await csv.getHistory('AAPL', { interval: '1d', period: 'max' });
  });

  beforeEach(async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    mock = await PolygonMockServer.start({ apiKey: KEY, aggsPageSize: 100, nextUrlBase: 'https://api.massive.com' });
    mock.setBars('AAPL', apple).setBars('BRK.B', apple.slice(-30));
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await mock.close();
  });

  function createSut(options: Partial<PolygonProviderOptions> = {}): PolygonMarketDataProvider {
    return new PolygonMarketDataProvider({
      apiKey: KEY,
      baseUrl: mock.baseUrl,
      timeoutMs: 1000,
      maxRetries: 3,
      backoffBaseMs: 1,
      backoffMaxMs: 50,
      clock: () => NOW,
      ...options,
    });
  }

  describe('speaking the format', () => {
    it('pages through next_url on its own host, with the key in a header only', async () => {
      const sut = createSut();

      const bars = await sut.getHistory('AAPL', { interval: '1d', period: '1y' });

      expect(bars).toEqual(await csv.getHistory('AAPL', { interval: '1d', period: '1y' }));
      expect(mock.calls).toBe(3);
      expect(mock.requests[1].url).toContain('cursor=');
      expect(mock.requests.every((r) => r.authorization === `Bearer ${KEY}` && !r.url.includes(KEY))).toBe(true);
    });

    it('aggregates weeks like the other providers', async () => {
      const sut = createSut();

      expect(await sut.getHistory('AAPL', { interval: '1wk', period: '6mo' })).toEqual(
        await csv.getHistory('AAPL', { interval: '1wk', period: '6mo' }),
      );
    });

    it('quotes from the last two daily bars in one request', async () => {
      const sut = createSut();

      expect(await sut.getQuote('aapl')).toEqual({
        symbol: 'AAPL',
        price: 159.54,
        previousClose: 163.03,
        change: -3.49,
        changePercent: -2.1407,
        volume: 51608580,
        asOf: '2018-02-07T21:00:00.000Z',
        currency: 'USD',
      });
      expect(mock.calls).toBe(1);
      expect(mock.requests[0].url).toMatch(/^\/v2\/aggs\/ticker\/AAPL\/range\/1\/day\/2018-01-25\/2018-02-08\?adjusted=true&sort=asc&limit=50000$/);
    });

    it('describes a ticker from the reference endpoint, with the GICS sector of the bundled list', async () => {
      const sut = createSut();

      expect(await sut.getInfo('BRK-B')).toEqual({
        symbol: 'BRK.B',
        name: 'BRK.B Inc.',
        sector: 'Financials',
        industry: 'SERVICES-PREPACKAGED SOFTWARE',
        marketCap: 1_000_000_000,
        exchange: 'XNAS',
        currency: 'USD',
      });
    });

    it('tolerates reference fields that are absent', async () => {
      mock.setDetails('AAPL', { ticker: 'AAPL', name: 'Apple Inc.' });
      const sut = createSut();

      expect(await sut.getInfo('AAPL')).toMatchObject({ marketCap: null, exchange: 'Unknown', industry: 'Technology Hardware, Storage & Peripherals' });
    });

    it('lists all tickers upstream, sp500 and sectors from the bundled list without a request', async () => {
      const sut = createSut();

      expect((await sut.listSymbols('all')).map((s) => s.symbol)).toEqual(['AAPL', 'BRK.B']);
      const callsAfterAll = mock.calls;
      expect(await sut.listSymbols('sp500')).toHaveLength(503);
      expect((await sut.listSymbols('information-technology')).every((s) => s.sector === 'Information Technology')).toBe(true);
      expect(mock.calls).toBe(callsAfterAll);
    });

    it('serves an empty history when a known ticker has no bars (results absent)', async () => {
      mock.setBars('QUIET', []).setDetails('QUIET', { ticker: 'QUIET', name: 'Quiet Corp' });
      const sut = createSut();

      expect(await sut.getHistory('QUIET', { interval: '1d', period: '1mo' })).toEqual([]);
    });

    it('throws SymbolNotFoundError for an unknown ticker (200 + empty bars, 404 details)', async () => {
      const sut = createSut();

      await expect(sut.getHistory('ZZZZ', { interval: '1d', period: '1mo' })).rejects.toBeInstanceOf(SymbolNotFoundError);
      await expect(sut.getQuote('ZZZZ')).rejects.toBeInstanceOf(SymbolNotFoundError);
      await expect(sut.getInfo('ZZZZ')).rejects.toBeInstanceOf(SymbolNotFoundError);
    });
  });

  describe('behind the limited provider', () => {
    it('keeps a burst within the upstream in-flight limit, so it never sees a 429', async () => {
      await mock.close();
      mock = await PolygonMockServer.start({ apiKey: KEY, latencyMs: 20, maxInFlight: 4 });
      mock.setBars('AAPL', apple.slice(-30));
      const sut = new LimitedMarketDataProvider(createSut({ maxRetries: 0 }), 4);

      const quotes = await Promise.all(Array.from({ length: 40 }, () => sut.getQuote('AAPL')));

      expect(quotes.every((q) => q.price === 159.54)).toBe(true);
      expect(mock.calls).toBe(40);
      expect(mock.maxInFlightSeen).toBeLessThanOrEqual(4);
      expect(sut.stats()).toMatchObject({ calls: 40, failures: 0 });
    });

    it('counts the 429s of an unbounded burst as failures', async () => {
      await mock.close();
      mock = await PolygonMockServer.start({ apiKey: KEY, latencyMs: 300, maxInFlight: 4 });
      mock.setBars('AAPL', apple.slice(-30));
      const sut = new LimitedMarketDataProvider(createSut({ maxRetries: 0 }), 40);

      const results = await Promise.allSettled(Array.from({ length: 40 }, () => sut.getQuote('AAPL')));

      const limited = results.filter((r) => r.status === 'rejected' && r.reason instanceof UpstreamRateLimitedError).length;

      // The 4 admitted hold their slot 300 ms; how many more get in depends on arrival timing.
      expect(limited).toBeGreaterThanOrEqual(20);
      expect(limited).toBeLessThanOrEqual(36);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(40 - limited);
      expect(sut.stats().failures).toBe(limited);
    });
  });

  describe('under upstream faults', () => {
    it('retries a 429 and succeeds', async () => {
      mock.script(AGGS, { status: 429, body: { status: 'ERROR', error: 'slow down' } });

      expect((await createSut().getQuote('AAPL')).price).toBe(159.54);
      expect(mock.calls).toBe(2);
    });

    it('gives up on a 429 that lasts with UpstreamRateLimitedError after bounded retries', async () => {
      mock.script(AGGS, ...Array.from({ length: 10 }, () => ({ status: 429 })));

      await expect(createSut().getQuote('AAPL')).rejects.toBeInstanceOf(UpstreamRateLimitedError);
      expect(mock.calls).toBe(4);
    });

    it('tells onRateLimited of every 429 with a Retry-After (the rate budget pauses every replica)', async () => {
      mock.script(AGGS, { status: 429, headers: { 'Retry-After': '0.02' } }, { status: 429 });
      const told: number[] = [];

      expect((await createSut({ onRateLimited: (ms: number) => told.push(ms) }).getQuote('AAPL')).price).toBe(159.54);
      expect(told).toEqual([20]);
    });

    it('honours a short Retry-After and fails fast on one longer than the longest wait', async () => {
      mock.script(AGGS, { status: 429, headers: { 'Retry-After': '0.2' } }, { status: 429, headers: { 'Retry-After': '120' } });
      const sut = createSut({ backoffMaxMs: 1000 });

      const started = performance.now();
      const error = await sut.getQuote('AAPL').catch((e: unknown) => e);

      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
      expect(error).toBeInstanceOf(UpstreamRateLimitedError);
      expect((error as UpstreamRateLimitedError).retryAfterMs).toBe(120_000);
      expect(mock.calls).toBe(2);
    });

    it('retries a 500 and succeeds', async () => {
      mock.script(AGGS, { status: 500 });

      expect((await createSut().getQuote('AAPL')).price).toBe(159.54);
      expect(mock.calls).toBe(2);
    });

    it('gives up on a lasting 503 with UpstreamUnavailableError', async () => {
      mock.script(AGGS, ...Array.from({ length: 10 }, () => ({ status: 503 })));

      await expect(createSut({ maxRetries: 2 }).getQuote('AAPL')).rejects.toBeInstanceOf(UpstreamUnavailableError);
      expect(mock.calls).toBe(3);
    });

    it('times out a hanging response with UpstreamUnavailableError', async () => {
      mock.script(AGGS, { hang: true });
      const started = performance.now();

      await expect(createSut({ timeoutMs: 300 }).getQuote('AAPL')).rejects.toThrow(/polygon: timed out after 300 ms/);
      expect(performance.now() - started).toBeLessThan(1300);
      expect(mock.calls).toBe(1);
    });

    it('times out a body that stalls after the headers', async () => {
      mock.script(AGGS, { body: { ticker: 'AAPL', results: [] }, stall: true });

      await expect(createSut({ timeoutMs: 300 }).getQuote('AAPL')).rejects.toThrow(/polygon: timed out after 300 ms/);
    });

    it.each([
      ['malformed JSON', { raw: '<html>oops</html>' }],
      ['truncated JSON', { raw: '{"ticker":"AAPL","results":[{"o":1,"c":2' }],
      ['a body cut mid-way', { body: { ticker: 'AAPL', results: [{ o: 1, h: 1, l: 1, c: 1, v: 1, t: 1 }] }, cut: true }],
      ['a non-number close', { body: { ticker: 'AAPL', results: [{ o: 1, h: 1, l: 1, c: '159.54', v: 1, t: 1517979600000 }] } }],
      ['results that are not an array', { body: { ticker: 'AAPL', results: { c: 1 } } }],
      ['a JSON array', { body: [] }],
    ])('rejects %s with UpstreamBadResponseError', async (_, reply) => {
      mock.script(AGGS, reply);

      await expect(createSut().getQuote('AAPL')).rejects.toBeInstanceOf(UpstreamBadResponseError);
    });

    it('maps 401 to UpstreamUnavailableError whose message never holds the key', async () => {
      const wrongKey = 'pk_wrong_0123456789';
      const sut = createSut({ apiKey: wrongKey });

      const error = await sut.getQuote('AAPL').catch((e: unknown) => e);

      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect((error as Error).message).toMatch(/authorization rejected \(HTTP 401: Unknown API Key\)/);
      expect((error as Error).message).not.toContain(wrongKey);
      expect(mock.requests.some((r) => r.url.includes(wrongKey))).toBe(false);
      expect(mock.calls).toBe(1);
    });

    it('maps 403 (plan) to UpstreamUnavailableError and redacts a key echoed by upstream', async () => {
      mock.script(AGGS, { status: 403, body: { status: 'NOT_AUTHORIZED', message: `You are not entitled to this data (${KEY})` } });

      const error = await createSut().getQuote('AAPL').catch((e: unknown) => e);

      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect((error as Error).message).toContain('not entitled');
      expect((error as Error).message).not.toContain(KEY);
    });

    it('refuses to start without a key', () => {
      expect(() => createSut({ apiKey: '' })).toThrow('POLYGON_API_KEY');
    });
  });
});
