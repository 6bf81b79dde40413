import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createClient } from '@redis/client';
import fc from 'fast-check';
import { CacheKeys, CacheService } from '../../src/cache';
import { startApp } from '../support/app.builder';
import { fuzzRoutesOf, urlOf } from '../support/fuzz-routes';
import { RedisServer } from '../support/redis-server';

// Complements admin-cache.e2e-spec.ts (which covers 401/200, the basic 429 and the patterns `*`, `../*`, `v1:*`).
const KEY = 'adm-sec-7f3a9c2e51b84d06';
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_123);
const PREFIX = `sec${Math.random().toString(36).slice(2, 7)}:`;
const BARE = PREFIX.slice(0, -1);

/** Keys of "another application" sharing the Redis, several of them look-alikes of our prefix. */
const FOREIGN = [
  'other:v1:price:AAPL',
  'v1:price:AAPL',
  'tag:t1',
  `${BARE}x:v1:price:AAPL`,
  `${BARE}`,
  `${BARE}\\:v1:price:AAPL`,
  `${BARE};v1:price:AAPL`,
  `${PREFIX.toUpperCase()}v1:price:AAPL`,
  `x${PREFIX}v1:price:AAPL`,
  ` ${PREFIX}v1:price:AAPL`,
  `other:${PREFIX}tag:t1`,
];

/** Glob syntax, traversal and pieces of our prefix and of the foreign keys, strung together. */
const hostilePattern = fc.oneof(
  fc.constantFrom('*', '**', '?*', '\\*', '\\', '*\\', '{', '{*}', '[', '[*', '[^a]*', '[!-~]*', '../*', '../../*', '..\\*', '/*', ':*', '::*', `../${BARE}x:*`, `\\${PREFIX}*`, `*${PREFIX}*`, `${PREFIX}*`, 'v1:*', 'tag:*', ' *', '*:*:*'),
  fc
    .array(fc.constantFrom('*', '?', '[', ']', '^', '\\', '{', '}', '-', ':', '..', '/', ';', ' ', PREFIX, BARE, 'other', 'x', 'v1', 'price', 'AAPL', 'tag', 't1'), { minLength: 1, maxLength: 8 })
    .map((parts) => parts.join('')),
);

type Action = { method: 'GET' | 'DELETE' | 'POST'; url: string; payload?: string };
const action: fc.Arbitrary<Action> = fc.oneof(
  hostilePattern.map((p) => ({ method: 'DELETE' as const, url: `keys?pattern=${encodeURIComponent(p)}` })),
  hostilePattern.map((p) => ({ method: 'DELETE' as const, url: `tags/${encodeURIComponent(p)}` })),
  hostilePattern.map((p) => ({ method: 'GET' as const, url: `keys?count=1000&pattern=${encodeURIComponent(p)}` })),
  fc.constantFrom(...FOREIGN).map((k) => ({ method: 'GET' as const, url: `ttl?key=${encodeURIComponent(k.startsWith(PREFIX) ? k.slice(PREFIX.length) : `../${k}`)}` })),
  fc.constantFrom<Action>({ method: 'GET', url: 'info' }, { method: 'GET', url: 'stats?top=100' }, { method: 'POST', url: 'warmup', payload: '{"symbols":["AAPL"],"policies":["prices"]}' }),
);

describe('admin API: foreign keys survive every admin action (private Redis)', () => {
  let redis: RedisServer;
  let client: ReturnType<typeof createClient>;

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = createClient({ url: redis.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
    await redis?.stop();
  });

  async function seedForeign(): Promise<void> {
    for (const key of FOREIGN) await client.set(key, `theirs:${key}`);
    await client.sAdd('other:set', ['a', 'b']);
  }

  async function expectForeignIntact(after: string): Promise<void> {
    const values = await client.mGet(FOREIGN);
    expect({ after, values }).toEqual({ after, values: FOREIGN.map((k) => `theirs:${k}`) });
    expect(await client.sCard('other:set')).toBe(2);
  }

  async function redisApp(): Promise<{ app: NestFastifyApplication; cache: CacheService }> {
    const app = await startApp({ ADMIN_API_KEY: KEY, ADMIN_RATE_LIMIT_PER_MINUTE: '100000', REDIS_ENABLED: 'true', REDIS_URL: redis.url, REDIS_PREFIX: PREFIX, CACHE_BUS_ENABLED: 'false', WARMUP_ON_BOOT: 'false', WARMUP_CRON: 'off' });
    const deadline = Date.now() + 5000;
    while ((await admin(app, { method: 'GET', url: 'info' })).json().backend !== 'redis' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    return { app, cache: app.get(CacheService) };
  }

  const admin = (app: NestFastifyApplication, a: Action) =>
    app.inject({ method: a.method, url: `/api/v1/admin/cache/${a.url}`, headers: { 'x-api-key': KEY, ...(a.payload ? { 'content-type': 'application/json' } : {}) }, payload: a.payload });

  it('hostile patterns, tags and keys in every admin action (fast-check): only keys under our prefix are ever listed or deleted', async () => {
    await seedForeign();
    const { app, cache } = await redisApp();
    let deletedOurs = 0;

    await fc.assert(
      fc.asyncProperty(action, async (a) => {
        await cache.set('price', CacheKeys.price('AAPL'), { price: 1 }, { tags: ['t1'] });
        const response = await admin(app, a);
        expect({ a, status: response.statusCode < 500 }).toEqual({ a, status: true });
        if (a.method === 'GET' && a.url.startsWith('keys') && response.statusCode === 200) {
          for (const key of response.json().keys as string[]) expect(await client.exists(`${PREFIX}${key}`)).toBe(1);
        }
        if (a.method === 'DELETE' && response.statusCode === 200) deletedOurs += response.json().deleted as number;
        await expectForeignIntact(`${a.method} ${a.url}`);
      }),
      { seed: SEED, numRuns: 150 },
    );
    // The patterns did reach our own keys (so the survival above is not for want of matching anything).
    expect(deletedOurs).toBeGreaterThan(10);
  });

  it('clearing everything (`*`) and every tag empties our prefix and nothing else', async () => {
    await seedForeign();
    const { app, cache } = await redisApp();
    for (const symbol of ['AAPL', 'MSFT', 'IBM']) await cache.set('price', CacheKeys.price(symbol), { symbol }, { tags: ['t1', 'sym:AAPL'] });

    expect((await admin(app, { method: 'DELETE', url: 'tags/t1' })).json()).toEqual({ deleted: 3 });
    for (const symbol of ['AAPL', 'MSFT']) await cache.set('info', CacheKeys.info(symbol), { symbol });
    expect((await admin(app, { method: 'DELETE', url: 'keys?pattern=*' })).json().deleted).toBeGreaterThanOrEqual(2);

    const left: string[] = [];
    for await (const keys of client.scanIterator({ MATCH: `${PREFIX}*`, COUNT: 1000 })) left.push(...(keys as unknown as string[]));
    // State (leases of the schedules, alerts) is not the cache's: `*` leaves it, and nothing else.
    expect(left.filter((k) => !FOREIGN.includes(k) && !k.startsWith(`${PREFIX}state:`))).toEqual([]);
    await expectForeignIntact('clear');
  });
});

describe('admin API: rate limit and a service without a key', () => {
  it('counts failed attempts per client IP apart from the operators: past ADMIN_FAILED_AUTH_PER_MINUTE wrong keys get 429, the right key still works until its own ADMIN_RATE_LIMIT_PER_MINUTE', async () => {
    const app = await startApp({ ADMIN_API_KEY: KEY, ADMIN_RATE_LIMIT_PER_MINUTE: '3', ADMIN_FAILED_AUTH_PER_MINUTE: '4' });
    for (let i = 0; i < 4; i++) {
      const wrong = await app.inject({ method: 'GET', url: '/api/v1/admin/cache/info', headers: { 'x-api-key': `guess-${i}-0123456789abcdef` } });
      expect(wrong.statusCode).toBe(401);
    }
    const flooded = await app.inject({ method: 'GET', url: '/api/v1/admin/cache/info', headers: { 'x-api-key': 'guess-5-0123456789abcdef' } });
    expect(flooded.statusCode).toBe(429);
    expect(flooded.json()).toMatchObject({ statusCode: 429, message: expect.stringMatching(/at most 4 per minute per client IP.*ADMIN_FAILED_AUTH_PER_MINUTE.*retry after \d+ s/) });

    const routes = [['GET', '/api/v1/admin/cache/info'], ['DELETE', '/api/v1/admin/cache/keys?pattern=*'], ['GET', '/api/v1/admin/cache/warmup']] as const;
    for (const [method, url] of routes) {
      expect({ url, status: (await app.inject({ method, url, headers: { 'x-api-key': KEY } })).statusCode }).toEqual({ url, status: 200 });
    }
    for (const [method, url] of routes) {
      const limited = await app.inject({ method, url, headers: { 'x-api-key': KEY } });
      expect({ url, status: limited.statusCode }).toEqual({ url, status: 429 });
      const retryAfter = Number(limited.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(limited.json()).toMatchObject({ statusCode: 429, error: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/at most 3 per minute per caller.*ADMIN_RATE_LIMIT_PER_MINUTE.*retry after \d+ s/) });
      expect(limited.json().requestId).toBe(limited.headers['x-request-id']);
    }
  });

  it('without ADMIN_API_KEY every admin route the app serves answers 503, whatever key is sent', async () => {
    const app = await startApp();
    const adminRoutes = fuzzRoutesOf(app).filter((r) => r.admin);

    expect(adminRoutes.length).toBeGreaterThanOrEqual(8);
    for (const route of adminRoutes) {
      const url = urlOf(route, Object.fromEntries(route.pathParams.map((p) => [p.name, encodeURIComponent(String(p.valid))])), '');
      for (const headers of [{}, { 'x-api-key': KEY }, { authorization: `Bearer ${KEY}` }]) {
        const response = await app.inject({ method: route.method as 'GET', url, headers });
        expect({ route: `${route.method} ${route.pattern}`, status: response.statusCode }).toEqual({ route: `${route.method} ${route.pattern}`, status: 503 });
        if (String(response.headers['content-type']).startsWith('application/json')) expect(response.json().message).toMatch(/set ADMIN_API_KEY/);
      }
    }
  });
});
