import { SyntheticMarketDataProvider } from '../../src/market-data/providers/synthetic.provider';
import { startApp } from '../support/app.builder';
import { PolygonMockServer } from '../support/polygon-mock.server';

describe('upstream faults through the real app (Polygon format mock)', () => {
  let mock: PolygonMockServer;

  beforeEach(async () => {
    mock = await PolygonMockServer.start({ apiKey: 'k' });
    const generator = new SyntheticMarketDataProvider({ seed: 7, universeSize: 600 });
    mock.setBars('AAPL', await generator.getHistory('AAPL', { interval: '1d', period: '1y' }));
  });

  afterEach(() => mock.close());

  const start = (env: Record<string, string> = {}) =>
    startApp({ MARKET_DATA_PROVIDER: 'polygon', POLYGON_BASE_URL: mock.baseUrl, POLYGON_API_KEY: 'k', UPSTREAM_MAX_RETRIES: '0', ...env });

  it('answers 503 with a clear message when the upstream fails and nothing is cached', async () => {
    const app = await start();
    mock.script(/aggs/, { status: 503, body: { status: 'ERROR', error: 'down' } });

    const response = await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' });

    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ error: 'UPSTREAM_UNAVAILABLE' });
    expect(response.json().message).toMatch(/unavailable/i);
  });

  it('answers 503, not 500, for a malformed upstream body', async () => {
    const app = await start();
    mock.script(/aggs/, { raw: '{"ticker":"AAPL","results":[{"c":' });

    const response = await app.inject({ method: 'GET', url: '/api/v1/market/history/AAPL' });

    expect(response.statusCode).toBeGreaterThanOrEqual(502);
    expect(response.statusCode).toBeLessThan(504);
  });

  it('serves the stale value, marked, when the refresh fails within grace', async () => {
    const app = await start({ CACHE_PRICE_TTL: '1', CACHE_GRACE_PERCENT: '10000' });
    const fresh = await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' });
    mock.script(/aggs/, ...Array.from({ length: 5 }, () => ({ status: 503, body: { status: 'ERROR', error: 'down' } })));
    await new Promise((r) => setTimeout(r, 1100));

    const stale = await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' });
    await new Promise((r) => setTimeout(r, 100));
    const stillStale = await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' });

    expect(fresh.statusCode).toBe(200);
    expect(stale.statusCode).toBe(200);
    expect(stale.headers['x-cache']).toBe('STALE');
    expect(stale.body).toBe(fresh.body);
    expect(stillStale.headers['x-cache']).toBe('STALE');
  });

  it('answers 503 on 429 storms once retries are spent', async () => {
    const app = await start({ UPSTREAM_MAX_RETRIES: '1' });
    mock.script(/aggs/, ...Array.from({ length: 3 }, () => ({ status: 429, body: { status: 'ERROR', error: 'slow down' } })));

    const response = await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' });

    expect(response.statusCode).toBe(503);
    expect(response.json().error).toBe('UPSTREAM_RATE_LIMITED');
    expect(response.headers['retry-after']).toBeDefined();
  });
});
