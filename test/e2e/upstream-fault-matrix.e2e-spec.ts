import { SyntheticMarketDataProvider } from '../../src/market-data/providers/synthetic.provider';
import { startApp } from '../support/app.builder';
import { quantile, timed } from '../support/latency';
import { PolygonMockServer, type MockReply } from '../support/polygon-mock.server';

/**
 * Every upstream fault of issue 8 through the real app, both ways: with nothing cached (a clear
 * error, bounded in time and in upstream calls) and with a stale value in grace (served, marked
 * `X-Cache: STALE`). Complements upstream-faults.e2e-spec.ts (503 on 5xx, malformed body, stale
 * on 503, 429 once retries are spent) with timeouts, truncation, a slow drip, Retry-After timing,
 * retry bounds and concurrency.
 */
const TIMEOUT_MS = 500;
const MAX_RETRIES = 2;
const RETRY_AFTER_S = 0.2;
const PRICE = '/api/v1/market/prices/AAPL';

interface Fault {
  name: string;
  reply: MockReply;
  status: number;
  error: string;
  message: RegExp;
  /** Upstream attempts for one request: the first plus the bounded retries, or one when not retried. */
  attempts: number;
}

const FAULTS: Fault[] = [
  {
    name: 'a 429 storm (Retry-After 0.2 s)',
    reply: { status: 429, headers: { 'Retry-After': String(RETRY_AFTER_S) }, body: { status: 'ERROR', error: 'slow down' } },
    status: 503,
    error: 'UPSTREAM_RATE_LIMITED',
    message: /rate limit/i,
    attempts: MAX_RETRIES + 1,
  },
  {
    name: '5xx',
    reply: { status: 502, body: { status: 'ERROR', error: 'bad gateway' } },
    status: 503,
    error: 'UPSTREAM_UNAVAILABLE',
    message: /unavailable/i,
    attempts: MAX_RETRIES + 1,
  },
  { name: 'a timeout (no answer at all)', reply: { hang: true }, status: 503, error: 'UPSTREAM_UNAVAILABLE', message: /unavailable/i, attempts: 1 },
  {
    name: 'malformed JSON',
    reply: { raw: '{"ticker":"AAPL","results":[{"c":1,}]}' },
    status: 502,
    error: 'UPSTREAM_BAD_RESPONSE',
    message: /malformed JSON/,
    attempts: 1,
  },
  {
    name: 'truncated JSON (connection cut mid-body)',
    reply: { body: { ticker: 'AAPL', status: 'OK', results: [{ o: 1, h: 1, l: 1, c: 1, v: 1, t: 1 }] }, cut: true },
    status: 502,
    error: 'UPSTREAM_BAD_RESPONSE',
    message: /truncated body/,
    attempts: 1,
  },
  {
    name: 'a slow drip (one byte every 50 ms)',
    reply: { body: { ticker: 'AAPL', status: 'OK', results: [{ o: 1, h: 1, l: 1, c: 1, v: 1, t: 1 }] }, drip: 50 },
    status: 503,
    error: 'UPSTREAM_UNAVAILABLE',
    message: /unavailable/i,
    attempts: 1,
  },
];

const figures: Record<string, unknown> = {};
afterAll(() => console.log(`upstream fault matrix: ${JSON.stringify(figures)}`));

describe('upstream fault matrix through the real app (Polygon format mock)', () => {
  let mock: PolygonMockServer;

  beforeEach(async () => {
    mock = await PolygonMockServer.start({ apiKey: 'k' });
    const generator = new SyntheticMarketDataProvider({ seed: 7, universeSize: 600 });
    mock.setBars('AAPL', await generator.getHistory('AAPL', { interval: '1d', period: '1y' }));
  });

  afterEach(() => mock.close());

  const start = (env: Record<string, string> = {}) =>
    startApp({
      MARKET_DATA_PROVIDER: 'polygon',
      POLYGON_BASE_URL: mock.baseUrl,
      POLYGON_API_KEY: 'k',
      UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
      UPSTREAM_MAX_RETRIES: String(MAX_RETRIES),
      ...env,
    });
  const aggsCalls = () => mock.requests.filter((r) => r.url.includes('/aggs/')).length;
  // Enough faulty replies for every attempt of a request and of background refreshes.
  const scriptFault = (fault: Fault) => mock.script(/aggs/, ...Array.from({ length: 20 }, () => fault.reply));

  describe.each(FAULTS)('$name', (fault) => {
    it('nothing cached: a clear error, bounded in time and in upstream attempts', async () => {
      const app = await start();
      scriptFault(fault);

      const { value: response, ms } = await timed(() => app.inject({ method: 'GET', url: PRICE }));

      expect(response.statusCode).toBe(fault.status);
      expect(response.json()).toMatchObject({ error: fault.error });
      expect(response.json().message).toMatch(fault.message);
      expect(aggsCalls()).toBe(fault.attempts);
      // One deadline per attempt plus back-off (≤ 0.5 s, 1 s): generous for a loaded machine.
      expect(ms).toBeLessThan(fault.attempts * TIMEOUT_MS + 1500 + 2000);
      figures[fault.name] = { ...(figures[fault.name] as object), status: response.statusCode, ms: Math.round(ms), upstreamCalls: aggsCalls() };
    });

    it('a value in grace: served stale, marked, same body', async () => {
      const app = await start({ CACHE_PRICE_TTL: '1', CACHE_GRACE_PERCENT: '10000' });
      const fresh = await app.inject({ method: 'GET', url: PRICE });
      scriptFault(fault);
      await new Promise((r) => setTimeout(r, 1100));

      const { value: stale, ms } = await timed(() => app.inject({ method: 'GET', url: PRICE }));

      expect(fresh.statusCode).toBe(200);
      expect(stale.statusCode).toBe(200);
      expect(stale.headers['x-cache']).toBe('STALE');
      expect(stale.body).toBe(fresh.body);
      // Stale answers never wait on the failing upstream.
      expect(ms).toBeLessThan(TIMEOUT_MS);
      figures[fault.name] = { ...(figures[fault.name] as object), staleMs: Math.round(ms) };
    });
  });

  it('429 storm: Retry-After is waited out between attempts, and the 503 carries Retry-After', async () => {
    const app = await start();
    scriptFault(FAULTS[0]);

    const { value: response, ms } = await timed(() => app.inject({ method: 'GET', url: PRICE }));

    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBeDefined();
    expect(ms).toBeGreaterThanOrEqual(MAX_RETRIES * RETRY_AFTER_S * 1000 - 20);
  });

  it('429 storm under 50 concurrent requests: coalesced, so upstream sees one request plus its bounded retries', async () => {
    const app = await start();
    scriptFault(FAULTS[0]);

    const results = await Promise.all(Array.from({ length: 50 }, () => timed(() => app.inject({ method: 'GET', url: PRICE }))));

    expect(results.every((r) => r.value.statusCode === 503)).toBe(true);
    expect(aggsCalls()).toBe(MAX_RETRIES + 1);
    figures.concurrent429 = { requests: 50, upstreamCalls: aggsCalls(), p99Ms: Math.round(quantile(results.map((r) => r.ms), 0.99)) };
  });

  it('5xx then recovery within the retries: the request succeeds, upstream called exactly until it answered', async () => {
    const app = await start();
    mock.script(/aggs/, { status: 503, body: { status: 'ERROR', error: 'down' } }, { status: 500, body: { status: 'ERROR', error: 'oops' } });

    const response = await app.inject({ method: 'GET', url: PRICE });

    expect(response.statusCode).toBe(200);
    expect(response.json().symbol).toBe('AAPL');
    expect(aggsCalls()).toBe(3);
  });
});
