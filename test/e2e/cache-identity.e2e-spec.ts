import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CacheService, RedisConnection } from '../../src/cache';
import { startApp } from '../support/app.builder';
import { waitUntil } from '../support/cache.builder';
import { artifact, writeArtifactFile } from '../support/model-artifact.builder';
import { redisCli } from '../support/redis-cli';
import { RedisServer } from '../support/redis-server';
import { sharedData } from '../support/shared-data';

/**
 * Cache identity (issue 14) through the real app and a private redis-server: an entry knows what
 * it is made of, so a provider or model switch on a shared Redis, an operator's invalidation on one
 * replica, and junk query parameters never make the cache answer for something else.
 */

// The real S&P 500 sample (50 tickers, 2013-02-08 .. 2018-02-07): AAPL's last close is 159.54.
const SAMPLE = sharedData('sp500-daily-sample-50.csv');

const figures: Record<string, number | string> = {};
afterAll(() => console.log(`cache identity figures: ${JSON.stringify(figures)}`));

let redis: RedisServer;
beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(async () => {
  await redis.stop();
});

const prefixes: string[] = [];
function newPrefix(): string {
  const prefix = `id${Math.random().toString(36).slice(2, 8)}:`;
  prefixes.push(prefix);
  return prefix;
}

/** An app on the private Redis with `prefix`, once it reaches Redis (and hears the bus). */
async function onRedis(prefix: string, env: Record<string, string> = {}): Promise<NestFastifyApplication> {
  const app = await startApp({ REDIS_ENABLED: 'true', REDIS_URL: redis.url, REDIS_PREFIX: prefix, CACHE_L2_TIMEOUT_MS: '1000', ...env });
  const connection = app.get(RedisConnection);
  await waitUntil(() => connection.remote?.available === true && connection.busState === 'up', 10_000);
  return app;
}

const get = (app: NestFastifyApplication, url: string) => app.inject({ method: 'GET', url });

/** Keys under `prefix` in the private Redis. */
async function keysUnder(prefix: string): Promise<string[]> {
  const out = await redisCli(redis.port, ['--scan', '--pattern', `${prefix}*`]);
  return out.split('\n').filter(Boolean);
}

// L2 writes are not awaited by the answer.
const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

describe('switching the data source on a shared Redis', () => {
  it('a csv app after a synthetic one answers the file, never the synthetic values', async () => {
    const prefix = newPrefix();
    const synthetic = await onRedis(prefix);
    const before = await get(synthetic, '/api/v1/market/prices/AAPL');
    expect(before.statusCode).toBe(200);
    const syntheticPrice = before.json<{ price: number }>().price;
    expect(syntheticPrice).not.toBe(159.54);
    const indicatorsUrl = '/api/v1/indicators/AAPL?names=sma20';
    expect((await get(synthetic, indicatorsUrl)).statusCode).toBe(200);
    await settle();
    await synthetic.close();

    const csv = await onRedis(prefix, { MARKET_DATA_PROVIDER: 'csv', MARKET_DATA_CSV_PATH: SAMPLE });
    const after = await get(csv, '/api/v1/market/prices/AAPL');
    expect(after.headers['x-cache']).toBe('MISS');
    expect(after.json()).toMatchObject({ symbol: 'AAPL', price: 159.54 });
    const indicators = await get(csv, indicatorsUrl);
    expect(indicators.headers['x-cache']).toBe('MISS');
    // Both generations' entries are in Redis, apart: the csv app never read the synthetic ones.
    const keys = await keysUnder(prefix);
    const priceKeys = keys.filter((k) => /:v1:price:@[^:]+:AAPL$/.test(k));
    expect(priceKeys).toHaveLength(2);
    figures.providerSwitch = `synthetic ${syntheticPrice} then csv ${after.json<{ price: number }>().price} (${after.headers['x-cache']})`;
  });

  it('a new model never serves the old model’s cached prediction responses; market data stays shared', async () => {
    const prefix = newPrefix();
    const url = '/api/v1/predictions/AAPL';
    const first = await onRedis(prefix, { MODEL_PATH: writeArtifactFile(artifact({ version: '1.0.0' })) });
    expect((await get(first, url)).json()).toMatchObject({ model: { version: '1.0.0' } });
    expect((await get(first, '/api/v1/market/prices/AAPL')).statusCode).toBe(200);
    await settle();
    await first.close();

    const second = await onRedis(prefix, { MODEL_PATH: writeArtifactFile(artifact({ version: '2.0.0' })) });
    const answer = await get(second, url);
    expect(answer.headers['x-cache']).toBe('MISS');
    expect(answer.json()).toMatchObject({ model: { version: '2.0.0' } });
    // Same data source: the quote cached by the first model's deploy is still a hit.
    expect((await get(second, '/api/v1/market/prices/AAPL')).headers['x-cache']).toBe('HIT-L2');
  });
});

describe('invalidating a symbol on one replica', () => {
  it('drops every entry built from it on both replicas (HTTP responses, indicators, scores), and nothing else', async () => {
    const prefix = newPrefix();
    const [a, b] = [await onRedis(prefix), await onRedis(prefix)];
    const urls = ['/api/v1/market/info/AAPL', '/api/v1/indicators/AAPL?names=rsi14', '/api/v1/scores/AAPL?horizon=medium', '/api/v1/predictions/AAPL'];
    const other = '/api/v1/market/info/MSFT';
    // Asked for only to see when B has heard of the invalidation (asking recomputes it).
    const probe = '/api/v1/market/prices/AAPL';
    for (const app of [a, b]) for (const url of [...urls, other, probe]) expect((await get(app, url)).statusCode).toBe(200);
    await settle();
    for (const url of [...urls, other]) expect((await get(b, url)).headers['x-cache']).toBe('HIT-L1');

    const deleted = await a.get(CacheService).invalidateSymbol('aapl');
    expect(deleted).toBeGreaterThanOrEqual(urls.length);
    await waitUntil(async () => (await get(b, probe)).headers['x-cache'] !== 'HIT-L1', 5000);

    for (const url of urls) expect((await get(b, url)).headers['x-cache']).not.toMatch(/^HIT/);
    expect((await get(b, other)).headers['x-cache']).toBe('HIT-L1');
    const left = (await keysUnder(prefix)).filter((k) => k.includes('AAPL') && !k.includes(':tag:'));
    // Only what was recomputed just now, on B.
    for (const key of left) expect(key).toMatch(/:v1:/);
    figures.symbolInvalidationDeleted = deleted;
  });

  it('a pattern delete of value keys takes the HTTP responses built from them', async () => {
    const prefix = newPrefix();
    const app = await onRedis(prefix);
    const url = '/api/v1/indicators/AAPL?names=sma20';
    expect((await get(app, url)).statusCode).toBe(200);
    expect((await get(app, url)).headers['x-cache']).toBe('HIT-L1');
    await settle();
    await app.get(CacheService).deleteByPattern('v1:history:*');
    expect((await get(app, url)).headers['x-cache']).toBe('MISS');
  });
});

describe('canonical request identity', () => {
  it('every spelling of one request shares one entry', async () => {
    const app = await startApp();
    expect((await get(app, '/api/v1/market/history/aapl')).headers['x-cache']).toBe('MISS');
    for (const url of ['/api/v1/market/history/AAPL', '/api/v1/market/history/AAPL?interval=1d', '/api/v1/market/history/Aapl?period=1y&interval=1d']) {
      const response = await get(app, url);
      expect([url, response.statusCode, response.headers['x-cache']]).toEqual([url, 200, 'HIT-L1']);
    }
  });

  it('refuses parameters the route does not take, naming them, and prototype names everywhere', async () => {
    const app = await startApp();
    const cases: [string, string][] = [
      ['/api/v1/market/prices/AAPL?x=1', '"x"'],
      ['/api/v1/market/tickers?__proto__=a1', '"__proto__"'],
      ['/api/v1/market/tickers?constructor=b', '"constructor"'],
      ['/api/v1/market/history/AAPL?interval=1d&junk=2', '"junk"'],
      ['/api/v1/scores/AAPL?horizon=short&prototype=1', '"prototype"'],
    ];
    for (const [url, name] of cases) {
      const response = await get(app, url);
      expect([url, response.statusCode]).toEqual([url, 400]);
      expect(response.json<{ message: string }>().message).toContain(name);
    }
  });

  it('junk parameters mint no keys in Redis and leave L1 alone', async () => {
    const prefix = newPrefix();
    const app = await onRedis(prefix);
    expect((await get(app, '/api/v1/market/prices/AAPL')).statusCode).toBe(200);
    await settle();
    const keysBefore = (await keysUnder(prefix)).length;
    const junk = 2_000;
    let refused = 0;
    for (let i = 0; i < junk; i++) if ((await get(app, `/api/v1/market/prices/AAPL?x=${i}`)).statusCode === 400) refused++;
    await settle();
    expect(refused).toBe(junk);
    expect((await keysUnder(prefix)).length).toBe(keysBefore);
    expect((await get(app, '/api/v1/market/prices/AAPL')).headers['x-cache']).toBe('HIT-L1');
    figures.junkRequestsKeysMinted = `${junk} requests, ${(await keysUnder(prefix)).length - keysBefore} keys`;
  });

  it('keys are readable: the route and its canonical parameters', async () => {
    const prefix = newPrefix();
    const app = await onRedis(prefix);
    expect((await get(app, '/api/v1/market/history/msft?period=1mo')).statusCode).toBe(200);
    await settle();
    const keys = await keysUnder(prefix);
    expect(keys).toContainEqual(expect.stringMatching(/^id\w+:v1:history:@[^:]+:http:\/market\/history\/MSFT:interval=1d&period=1mo$/));
  });

  it('a whole universe is cached once as a value, not again as a response', async () => {
    const prefix = newPrefix();
    const app = await onRedis(prefix);
    const response = await get(app, '/api/v1/market/tickers?market=all');
    expect(response.statusCode).toBe(200);
    expect(response.body.length).toBeGreaterThan(256 * 1024);
    await settle();
    // Cache entries only (the stampede lease and its tombstone live under state:).
    const keys = (await keysUnder(prefix)).filter((k) => k.startsWith(`${prefix}v1:`));
    expect(keys.filter((k) => k.includes(':tickers:') && k.includes(':http:'))).toEqual([]);
    expect(keys.filter((k) => k.includes(':tickers:') && k.endsWith(':all'))).toHaveLength(1);
  });
});
