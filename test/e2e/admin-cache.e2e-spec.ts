import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createClient } from '@redis/client';
import { createHash } from 'node:crypto';
import { createApp } from '../../src/bootstrap';
import { CacheKeys, CacheService } from '../../src/cache';
import { CacheStack } from '../../src/cache/cache-stack';
import { startApp } from '../support/app.builder';
import { RedisServer } from '../support/redis-server';

const KEY = 'adm-3f9c2a7e41d85b60-secret';
const BASE = '/api/v1/admin/cache';
const FINGERPRINT = createHash('sha256').update(KEY).digest('hex').slice(0, 8);
const FOREIGN = ['other:v1:price:AAPL', 'v1:price:AAPL', 'other:tag:t1'];

type Headers = Record<string, string>;
const withKey: Headers = { 'x-api-key': KEY };

function call(app: NestFastifyApplication, method: 'GET' | 'DELETE', url: string, headers: Headers = withKey) {
  return app.inject({ method, url: `${BASE}/${url}`, headers });
}

describe('admin cache API: guard', () => {
  it('answers 503 with how to enable it when no key is configured', async () => {
    const app = await startApp();
    for (const [method, url] of [['GET', 'info'], ['GET', 'keys'], ['DELETE', 'keys?pattern=*'], ['DELETE', 'tags/x']] as const) {
      const response = await call(app, method, url);
      expect({ url, status: response.statusCode }).toEqual({ url, status: 503 });
      expect(response.json().message).toMatch(/set ADMIN_API_KEY \(16-256 characters/);
    }
  });

  it('answers 401 to a missing or wrong key, 200 to the right one as x-api-key or Bearer', async () => {
    const app = await startApp({ ADMIN_API_KEY: KEY });
    const wrong: Headers[] = [{}, { 'x-api-key': `${KEY}x` }, { 'x-api-key': KEY.slice(0, -1) }, { authorization: `Basic ${KEY}` }, { authorization: 'Bearer nope' }];
    for (const headers of wrong) {
      const response = await call(app, 'GET', 'info', headers);
      expect({ headers, status: response.statusCode }).toEqual({ headers, status: 401 });
      expect(response.json().message).toMatch(/x-api-key header or as Authorization: Bearer/);
    }
    expect((await call(app, 'GET', 'info')).statusCode).toBe(200);
    expect((await call(app, 'GET', 'info', { authorization: `Bearer ${KEY}` })).statusCode).toBe(200);
    expect((await call(app, 'GET', 'info', { authorization: `bearer ${KEY}` })).statusCode).toBe(200);
  });

  it('validates patterns, keys and counts (400)', async () => {
    const app = await startApp({ ADMIN_API_KEY: KEY });
    for (const url of ['keys?pattern=' + 'a'.repeat(201), 'keys?pattern=a%0Ab', 'keys?cursor=abc', 'keys?count=0', 'ttl', 'ttl?key=a%07', 'DELETE keys', 'stats?top=101']) {
      const [method, path] = url.startsWith('DELETE ') ? (['DELETE', url.slice(7)] as const) : (['GET', url] as const);
      expect({ url, status: (await call(app, method, path)).statusCode }).toEqual({ url, status: 400 });
    }
  });

  it('rate-limits admin routes per caller across routes (429), failed attempts apart; other routes are not limited', async () => {
    const app = await startApp({ ADMIN_API_KEY: KEY, ADMIN_RATE_LIMIT_PER_MINUTE: '3' });
    expect((await call(app, 'GET', 'info', {})).statusCode).toBe(401);
    const second = await call(app, 'GET', 'keys');
    expect(second.statusCode).toBe(200);
    expect(second.headers['x-ratelimit-limit-admin']).toBe('3');
    expect(second.headers['x-ratelimit-remaining-admin']).toBe('2');
    expect((await call(app, 'GET', 'stats')).statusCode).toBe(200);
    expect((await call(app, 'GET', 'stats')).statusCode).toBe(200);
    const limited = await call(app, 'GET', 'info');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after-admin'])).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
  });
});

describe('admin cache API over a private Redis', () => {
  let redis: RedisServer;
  let client: ReturnType<typeof createClient>;

  beforeEach(async () => {
    redis = await RedisServer.start();
    client = createClient({ url: redis.url });
    await client.connect();
    await client.set(FOREIGN[0], 'theirs');
    await client.set(FOREIGN[1], 'theirs');
    await client.sAdd(FOREIGN[2], FOREIGN[0]);
  });
  afterEach(async () => {
    await client.close();
    await redis.stop();
  });

  async function redisApp(extra: Record<string, string> = {}) {
    const prefix = `adm${Math.random().toString(36).slice(2, 8)}:`;
    // The cross-replica invalidation bus is not under test here.
    const app = await startApp({ ADMIN_API_KEY: KEY, REDIS_ENABLED: 'true', REDIS_URL: redis.url, REDIS_PREFIX: prefix, CACHE_BUS_ENABLED: 'false', ...extra });
    const deadline = Date.now() + 5000;
    while ((await call(app, 'GET', 'info')).json().backend !== 'redis' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    return { app, prefix, cache: app.get(CacheService) };
  }

  async function seed(cache: CacheService, symbols: string[], tags: string[] = []) {
    for (const symbol of symbols) await cache.set('price', CacheKeys.price(symbol), { symbol, price: 1 }, { tags });
  }

  /** How the app stores a key: with its data source's generation mark (`key-scope.ts`). */
const stored = (app: NestFastifyApplication, key: string) => app.get(CacheStack).keys.scope(key);

const foreignSurvives = async () => expect(await client.exists(FOREIGN)).toBe(FOREIGN.length);

  it('info, ttl per tier and key paging stay inside our prefix', async () => {
    const { app, prefix } = await redisApp();
    const symbols = Array.from({ length: 25 }, (_, i) => `S${i}`);
    await seed(app.get(CacheService), symbols);

    const info = (await call(app, 'GET', 'info')).json();
    expect(info).toMatchObject({ backend: 'redis', breaker: 'closed', prefix, redis: { keysUnderPrefix: 25, keysCountCapped: false } });
    expect(info.redis.server.redis_version).toMatch(/^\d+\./);

    const seen = new Set<string>();
    let cursor = '0';
    let pages = 0;
    do {
      const page = (await call(app, 'GET', `keys?pattern=v1:price:*&count=10&cursor=${cursor}`)).json();
      expect(page.source).toBe('redis');
      page.keys.forEach((k: string) => seen.add(k));
      cursor = page.cursor;
      pages++;
    } while (cursor !== '0' && pages < 50);
    expect([...seen].sort()).toEqual(symbols.map((s) => stored(app, `v1:price:${s}`)).sort());
    expect(pages).toBeGreaterThan(1);

    const all = (await call(app, 'GET', 'keys?count=5000')).json();
    expect(all.keys).not.toContain(FOREIGN[1]);

    const ttl = (await call(app, 'GET', 'ttl?key=v1:price:S1')).json();
    // price: 300 s TTL + 50 % grace = 450 s of hard lifetime in both tiers.
    expect(ttl.key).toBe('v1:price:S1');
    expect(ttl.l1Seconds).toBeGreaterThan(440);
    expect(ttl.l1Seconds).toBeLessThanOrEqual(450);
    expect(ttl.l2Seconds).toBeGreaterThan(440);
    expect(ttl.l2Seconds).toBeLessThanOrEqual(450);
    expect((await call(app, 'GET', 'ttl?key=v1:price:NOPE')).json()).toEqual({ key: 'v1:price:NOPE', l1Seconds: null, l2Seconds: null });
  });

  it('stats: per-policy hits, misses, hit rate and keys, and the most requested keys after traffic', async () => {
    const { app } = await redisApp();
    for (let i = 0; i < 3; i++) expect((await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/v1/market/prices/MSFT' })).statusCode).toBe(200);

    const stats = (await call(app, 'GET', 'stats?top=5')).json();
    expect(stats).toMatchObject({ backend: 'redis', keys: { source: 'redis', capped: false } });
    expect(stats.policies.price).toMatchObject({ misses: expect.any(Number), hits: expect.any(Number), keys: expect.any(Number) });
    expect(stats.policies.price.hits).toBeGreaterThan(0);
    expect(stats.policies.price.hitRate).toBeGreaterThan(0);
    expect(stats.policies.price.hitRate).toBeLessThan(1);
    expect(stats.policies.price.keys).toBeGreaterThanOrEqual(2);
    expect(stats.topKeys.length).toBeGreaterThan(0);
    expect(stats.topKeys.length).toBeLessThanOrEqual(5);
    expect(stats.topKeys[0].hits).toBeGreaterThanOrEqual(stats.topKeys.at(-1).hits);
    expect(stats.topKeys.map((k: { key: string }) => k.key)).toContain(stored(app, 'v1:price:AAPL'));
  });

  it('DELETE keys never reaches outside the prefix, whatever the pattern; our keys go from both tiers', async () => {
    const { app, prefix } = await redisApp();
    const cache = app.get(CacheService);

    for (const pattern of ['../*', 'v1:*', '*']) {
      await seed(cache, ['AAPL', 'MSFT']);
      expect(await client.exists([prefix + stored(app, 'v1:price:AAPL'), prefix + stored(app, 'v1:price:MSFT')])).toBe(2);
      const response = await call(app, 'DELETE', `keys?pattern=${encodeURIComponent(pattern)}`);
      expect(response.statusCode).toBe(200);
      const expected = pattern === '../*' ? 0 : 2;
      expect({ pattern, body: response.json() }).toEqual({ pattern, body: { deleted: expected } });
      expect(await client.exists([prefix + stored(app, 'v1:price:AAPL'), prefix + stored(app, 'v1:price:MSFT')])).toBe(2 - expected);
      expect(await cache.has(CacheKeys.price('AAPL'))).toBe(expected === 0);
      await foreignSurvives();
    }
  });

  it('DELETE tags/:tag drops the tagged keys only', async () => {
    const { app, prefix } = await redisApp();
    const cache = app.get(CacheService);
    await seed(cache, ['AAPL', 'MSFT'], ['t1']);
    await seed(cache, ['IBM'], ['t2']);

    expect((await call(app, 'DELETE', 'tags/t1')).json()).toEqual({ deleted: 2 });
    expect(await client.exists([prefix + stored(app, 'v1:price:AAPL'), prefix + stored(app, 'v1:price:MSFT')])).toBe(0);
    expect(await client.exists(prefix + stored(app, 'v1:price:IBM'))).toBe(1);
    expect((await call(app, 'DELETE', 'tags/unknown')).json()).toEqual({ deleted: 0 });
    await foreignSurvives();
  });

  it('logs who deleted what at warn, with the key fingerprint; the key is in no response and no log line', async () => {
    const lines: string[] = [];
    const { app } = await createApp(
      { NODE_ENV: 'test', REDIS_ENABLED: 'true', REDIS_URL: redis.url, REDIS_PREFIX: 'admlog:', CACHE_BUS_ENABLED: 'false', ADMIN_API_KEY: KEY, LOG_LEVEL: 'debug' },
      { logDestination: { write: (line: string) => void lines.push(line) } },
    );
    try {
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
      const responses = [
        await call(app, 'GET', 'info'),
        await call(app, 'GET', 'keys', { authorization: `Bearer ${KEY}` }),
        await call(app, 'GET', 'info', { 'x-api-key': `${KEY}-wrong` }),
        await call(app, 'DELETE', 'keys?pattern=v1:price:*'),
        await call(app, 'DELETE', 'tags/t1'),
      ];
      const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg?: string }).filter((l) => l.level === 40 && /^Admin key/.test(l.msg ?? ''));
      expect(warnings.map((w) => w.msg)).toEqual([
        `Admin key ${FINGERPRINT} deleted 0 keys matching pattern "v1:price:*"`,
        `Admin key ${FINGERPRINT} invalidated tag "t1" (0 keys)`,
      ]);
      expect(lines.length).toBeGreaterThan(5);
      for (const text of [...lines, ...responses.map((r) => JSON.stringify(r.headers) + r.body)]) expect(text).not.toContain(KEY);
    } finally {
      await app.close();
    }
  });
});
