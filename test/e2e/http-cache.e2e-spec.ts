import { CACHE_MANAGER } from '@nestjs/cache-manager';
import type { Cache } from 'cache-manager';
import { CacheKeys, CacheService } from '../../src/cache';
import { CacheStack } from '../../src/cache/cache-stack';
import { MarketDataProvider } from '../../src/market-data/providers/market-data.provider';
import { startApp } from '../support/app.builder';
import { waitUntil } from '../support/cache.builder';
import { RedisServer } from '../support/redis-server';

const price = (symbol: string, query = '') => ({ method: 'GET' as const, url: `/api/v1/market/prices/${symbol}${query}` });

describe('HTTP cache through the real app', () => {
  it('answers MISS then HIT-L1 with the same body, Age, Cache-Control and ETag', async () => {
    const app = await startApp();

    const first = await app.inject(price('AAPL'));
    const second = await app.inject(price('AAPL'));

    expect(first.statusCode).toBe(200);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT-L1');
    expect(second.body).toBe(first.body);
    expect(first.json()).toMatchObject({ symbol: 'AAPL', currency: 'USD' });
    expect(second.headers['content-type']).toContain('application/json');
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(Number(second.headers.age)).toBeGreaterThanOrEqual(0);
    expect(second.headers['cache-control']).toMatch(/^max-age=(29\d|300)$/);
  });

  it('answers 304 with no body to a matching If-None-Match', async () => {
    const app = await startApp();
    const first = await app.inject(price('MSFT'));

    const revalidated = await app.inject({ ...price('MSFT'), headers: { 'if-none-match': String(first.headers.etag) } });
    const changed = await app.inject({ ...price('MSFT'), headers: { 'if-none-match': '"something-else"' } });

    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.body).toBe('');
    expect(changed.statusCode).toBe(200);
  });

  it('keys on the canonical request: parameter order, symbol case and defaults do not matter', async () => {
    const app = await startApp();
    const history = (query: string) => ({ method: 'GET' as const, url: `/api/v1/market/history/NVDA${query}` });
    await app.inject(history('?interval=1d&period=1mo'));

    const reordered = await app.inject({ method: 'GET', url: '/api/v1/market/history/nvda?period=1mo' });
    const different = await app.inject(history('?interval=1d&period=3mo'));

    expect(reordered.headers['x-cache']).toBe('HIT-L1');
    expect(different.headers['x-cache']).toBe('MISS');
  });

  it('runs the handler once for 200 concurrent GETs on one cold route', async () => {
    const app = await startApp();
    const provider = app.get(MarketDataProvider);
    const getQuote = jest.spyOn(provider, 'getQuote');

    const responses = await Promise.all(Array.from({ length: 200 }, () => app.inject(price('JPM'))));

    expect(getQuote).toHaveBeenCalledTimes(1);
    expect(responses.every((r) => r.statusCode === 200 && r.body === responses[0].body)).toBe(true);
  });

  it('serves STALE past the TTL while one refresh runs', async () => {
    const app = await startApp({ CACHE_PRICE_TTL: '1', CACHE_GRACE_PERCENT: '1000' });
    const provider = app.get(MarketDataProvider);
    await app.inject(price('KO'));
    const getQuote = jest.spyOn(provider, 'getQuote');
    await new Promise((r) => setTimeout(r, 1100));

    const stale = await app.inject(price('KO'));
    await waitUntil(() => getQuote.mock.calls.length === 1, 2000);
    const refreshed = await app.inject(price('KO'));

    expect(stale.headers['x-cache']).toBe('STALE');
    expect(stale.headers['cache-control']).toBe('max-age=0');
    expect(refreshed.headers['x-cache']).toBe('HIT-L1');
    expect(getQuote).toHaveBeenCalledTimes(1);
  });

  it('does not cache error responses: an unknown symbol is a 404 each time (the provider is asked once: negative cache)', async () => {
    const app = await startApp();
    const getQuote = jest.spyOn(app.get(MarketDataProvider), 'getQuote');

    const first = await app.inject(price('ZZZZZZ'));
    const second = await app.inject(price('ZZZZZZ'));

    expect(first.statusCode).toBe(404);
    expect(first.json()).toMatchObject({ error: 'SYMBOL_NOT_FOUND', message: 'Unknown symbol: ZZZZZZ' });
    expect(second.statusCode).toBe(404);
    expect(second.json()).toMatchObject({ error: 'SYMBOL_NOT_FOUND', message: 'Unknown symbol: ZZZZZZ' });
    expect(second.headers['x-cache']).toBeUndefined();
    expect(getQuote).toHaveBeenCalledTimes(1);
  });

  it('rejects a malformed symbol with a 400 naming the problem', async () => {
    const app = await startApp();

    const response = await app.inject(price('bad*symbol'));

    expect(response.statusCode).toBe(400);
    expect(JSON.stringify(response.json().message)).toContain('symbol must be');
  });

  it('validates the batch route and lists unknown symbols apart', async () => {
    const app = await startApp();

    const ok = await app.inject({ method: 'GET', url: '/api/v1/market/prices?symbols=aapl,MSFT,NOPE1' });
    const empty = await app.inject({ method: 'GET', url: '/api/v1/market/prices?symbols=' });
    const tooMany = await app.inject({
      method: 'GET',
      url: `/api/v1/market/prices?symbols=${Array.from({ length: 101 }, (_, i) => `S${i}`).join(',')}`,
    });

    expect(ok.statusCode).toBe(200);
    expect(ok.json().prices.map((p: { symbol: string }) => p.symbol)).toEqual(['AAPL', 'MSFT']);
    expect(ok.json().unknown).toEqual(['NOPE1']);
    expect(empty.statusCode).toBe(400);
    expect(tooMany.statusCode).toBe(400);
    expect(JSON.stringify(tooMany.json().message)).toContain('at most 100');
  });

  it('answers the liveness probe', async () => {
    const app = await startApp();
    const response = await app.inject({ method: 'GET', url: '/health/live' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ok' });
    expect(response.headers['x-cache']).toBeUndefined();
  });
});

describe('two app instances sharing one Redis', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    await redis.stop();
  });

  it('serves HIT-L2 on the instance whose L1 is cold', async () => {
    const env = { REDIS_ENABLED: 'true', REDIS_URL: redis.url, REDIS_PREFIX: 'shared:' };
    const a = await startApp(env);
    const b = await startApp(env);
    await waitUntil(() => a.get(CacheService).stats().backend === 'redis' && b.get(CacheService).stats().backend === 'redis', 3000);

    const fromA = await app(a);
    const fromB = await app(b);

    expect(fromA.headers['x-cache']).toBe('MISS');
    expect(fromB.headers['x-cache']).toBe('HIT-L2');
    expect(fromB.body).toBe(fromA.body);

    async function app(instance: typeof a) {
      // The write to L2 is not awaited by the request; give it its round trip.
      const response = await instance.inject(price('AMZN'));
      await new Promise((r) => setTimeout(r, 50));
      return response;
    }
  });

  it('exposes CACHE_MANAGER over the same tiers', async () => {
    const app = await startApp({ REDIS_ENABLED: 'true', REDIS_URL: redis.url });
    await waitUntil(() => app.get(CacheService).stats().backend === 'redis', 3000);
    const manager = app.get<Cache>(CACHE_MANAGER);
    const cache = app.get(CacheService);

    await manager.set('legacy-key', { close: 1.5, at: new Date(0) }, 60_000);
    app.get(CacheStack).local.clear();

    expect(await manager.get('legacy-key')).toMatchObject({ close: 1.5 });
    expect(await cache.has(CacheKeys.nest('legacy-key'))).toBe(true);
    expect(await manager.wrap('wrapped', async () => 'computed')).toBe('computed');
    expect(await manager.wrap('wrapped', async () => 'again')).toBe('computed');
    await manager.del('legacy-key');
    expect(await manager.get('legacy-key')).toBeUndefined();
  });
});

describe('boot with a bad configuration', () => {
  it('refuses to start, naming every bad variable and never a secret', async () => {
    const { createApp } = await import('../../src/bootstrap');
    const attempt = createApp({ PORT: 'abc', CACHE_L2_TIMEOUT_MS: '-1', REDIS_ENABLED: 'maybe', REDIS_PASSWORD: 'hunter2-secret' });

    await expect(attempt).rejects.toThrow(/PORT[\s\S]*REDIS_ENABLED[\s\S]*CACHE_L2_TIMEOUT_MS/);
    await expect(attempt).rejects.not.toThrow(/hunter2-secret/);
  });
});
