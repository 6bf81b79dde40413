import { CacheAdminService, RedisConnection } from '../../src/cache';
import { startApp } from '../support/app.builder';
import { waitUntil } from '../support/cache.builder';
import { RedisServer } from '../support/redis-server';
import { sharedData } from '../support/shared-data';

// The real S&P 500 sample (50 tickers, 2013-02-08 .. 2018-02-07), beside the repository as in CI.
const SAMPLE = sharedData('sp500-daily-sample-50.csv');

let redis: RedisServer;

beforeAll(async () => {
  redis = await RedisServer.start();
});

afterAll(async () => {
  await redis.stop();
});

describe('every route on the CSV provider with the real data, over Redis', () => {
  // Redis connects in the background: wait for it, or a busy machine scans before it is there and
  // writes nothing to L2. A deadline a loaded CI box does not miss: this is about the CSV data.
  const start = async (env: Record<string, string> = {}) => {
    const app = await startApp({ MARKET_DATA_PROVIDER: 'csv', MARKET_DATA_CSV_PATH: SAMPLE, REDIS_ENABLED: 'true', REDIS_URL: redis.url, CACHE_L2_TIMEOUT_MS: '1000', ...env });
    const connection = app.get(RedisConnection);
    await waitUntil(() => connection.remote?.available === true, 10_000);
    return app;
  };

  it('serves prices, history, info and tickers from the file', async () => {
    const app = await start();

    const price = await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' });
    const history = await app.inject({ method: 'GET', url: '/api/v1/market/history/AAPL?interval=1d&period=1mo' });
    const weekly = await app.inject({ method: 'GET', url: '/api/v1/market/history/AAPL?interval=1wk&period=1y' });
    const info = await app.inject({ method: 'GET', url: '/api/v1/market/info/AAPL' });
    const tickers = await app.inject({ method: 'GET', url: '/api/v1/market/tickers?market=all' });
    const batch = await app.inject({ method: 'GET', url: '/api/v1/market/prices?symbols=AAPL,ORCL,TSLA' });

    expect(price.json()).toMatchObject({ symbol: 'AAPL', price: 159.54 });
    expect(history.json().bars).toHaveLength(21);
    expect(history.json().bars.at(-1)).toMatchObject({ date: '2018-02-07', close: 159.54 });
    expect(weekly.json().bars.length).toBeGreaterThanOrEqual(51);
    expect(info.json()).toMatchObject({ symbol: 'AAPL', sector: 'Information Technology' });
    expect(tickers.json().count).toBe(50);
    expect(batch.json().unknown).toEqual(['TSLA']);
  });

  it('computes indicators and scores on the real bars', async () => {
    const app = await start();

    const indicators = await app.inject({ method: 'GET', url: '/api/v1/indicators/MSFT' });
    const score = await app.inject({ method: 'GET', url: '/api/v1/scores/MSFT?horizon=long' });

    expect(indicators.statusCode).toBe(200);
    expect(indicators.json().asOf).toBe('2018-02-07');
    expect(indicators.json().values.rsi14).toBeGreaterThan(0);
    expect(indicators.json().values.rsi14).toBeLessThan(100);
    expect(score.statusCode).toBe(200);
    expect(score.json()).toMatchObject({ symbol: 'MSFT', horizon: 'long' });
    expect(score.json().confidence).toBeGreaterThan(0.5);
  });

  it('scans the 50 symbols and serves a second replica from Redis', async () => {
    const shared = { REDIS_PREFIX: `csv${Date.now()}:` };
    const a = await start(shared);
    const b = await start(shared);

    const cold = await a.inject({ method: 'POST', url: '/api/v1/scans', payload: { universe: 'all', limit: 5, minAvgVolume: 1_000_000 } });
    // Per-symbol records reach Redis asynchronously; wait until all 50 are there.
    const admin = a.get(CacheAdminService);
    await waitUntil(async () => (await admin.listKeys('v1:scan:result:*', '0', 1000)).keys.length >= 50, 10_000);
    const fromRedis = await b.inject({ method: 'POST', url: '/api/v1/scans', payload: { universe: 'all', limit: 6 } });

    expect(cold.json().stats.scanned).toBe(50);
    expect(cold.json().results).toHaveLength(5);
    expect(fromRedis.json().stats.cacheHits.l2).toBe(50);
    expect(fromRedis.json().stats.upstreamCalls).toBe(0);
  });

  it('answers 404 for a symbol the file does not hold', async () => {
    const app = await start();
    const response = await app.inject({ method: 'GET', url: '/api/v1/market/info/TSLA' });
    expect(response.statusCode).toBe(404);
  });
});
