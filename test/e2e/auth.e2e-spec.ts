import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/bootstrap';
import { HttpCacheFastPath, HttpCacheInterceptor } from '../../src/cache';
import { SyntheticMarketDataProvider } from '../../src/market-data/providers/synthetic.provider';
import { startApp } from '../support/app.builder';
import { parsePrometheus } from '../support/prometheus-text';

const READER = 'reader-secret-0123456789abcdef';
const COMPUTER = 'computer-secret-0123456789abcdef';
const ALL = 'all-secret-0123456789abcdef0123';
const ADMIN_KEY = 'admin-key-0123456789abcdef-xyz';
const CREDENTIALS = `reader:read:${READER},computer:compute:${COMPUTER},all:read+compute+alerts:${ALL}`;
const PRICE = '/api/v1/market/prices/AAPL';
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

/** Every mutating or expensive route, with a body that would pass validation. */
const GUARDED: { method: 'GET' | 'POST'; url: string; payload?: object; scope: string }[] = [
  { method: 'POST', url: '/api/v1/scans', payload: { symbols: ['AAPL', 'MSFT'] }, scope: 'compute' },
  { method: 'POST', url: '/api/v1/portfolio/analyze', payload: { holdings: [{ symbol: 'AAPL', quantity: 1 }] }, scope: 'compute' },
  { method: 'POST', url: '/api/v1/predictions/batch', payload: { symbols: ['AAPL'] }, scope: 'compute' },
  { method: 'GET', url: '/api/v1/market/prices?symbols=AAPL,MSFT', scope: 'compute' },
  { method: 'POST', url: '/api/v1/alerts', payload: { symbol: 'AAPL', condition: 'above', price: 1e9, ttlSeconds: 3600 }, scope: 'alerts' },
  { method: 'GET', url: '/api/v1/alerts/stream', scope: 'alerts' },
];

const call = (app: NestFastifyApplication, route: (typeof GUARDED)[number], headers: Record<string, string> = {}) =>
  app.inject({ method: route.method, url: route.url, payload: route.payload, headers });

describe('callers and scopes in production mode', () => {
  it('with no credentials configured, anonymous callers read, and every mutating or expensive route is 401 naming the scope', async () => {
    const app = await startApp({ NODE_ENV: 'production' });

    expect((await app.inject({ method: 'GET', url: PRICE })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    for (const route of GUARDED) {
      const response = await call(app, route);
      expect({ url: route.url, status: response.statusCode }).toEqual({ url: route.url, status: 401 });
      expect(response.json()).toMatchObject({ statusCode: 401, error: 'UNAUTHORIZED', message: expect.stringContaining(`needs the ${route.scope} scope`) });
    }
  });

  it('a wrong secret is 401 on every route but the public ones, however close to a real one', async () => {
    const app = await startApp({ NODE_ENV: 'production', CLIENT_CREDENTIALS: CREDENTIALS });
    for (const wrong of [READER.slice(0, -1), `${READER}x`, READER.toUpperCase(), 'x', 'k'.repeat(4096)]) {
      for (const headers of [bearer(wrong), { 'x-api-key': wrong }]) {
        const read = await app.inject({ method: 'GET', url: PRICE, headers });
        expect(read.statusCode).toBe(401);
        expect(read.json().message).toMatch(/matches no configured client/);
        expect((await call(app, GUARDED[0], headers)).statusCode).toBe(401);
      }
    }
    expect((await app.inject({ method: 'GET', url: '/health/live', headers: bearer('wrong-secret-0123456789') })).statusCode).toBe(200);
  });

  it('a read caller gets 403 on compute and alerts routes; a compute caller gets through; admin holds every scope', async () => {
    const app = await startApp({ NODE_ENV: 'production', CLIENT_CREDENTIALS: CREDENTIALS, ADMIN_API_KEY: ADMIN_KEY });
    for (const route of GUARDED) {
      const response = await call(app, route, bearer(READER));
      expect({ url: route.url, status: response.statusCode }).toEqual({ url: route.url, status: 403 });
      expect(response.json()).toMatchObject({ error: 'FORBIDDEN', message: expect.stringMatching(new RegExp(`needs the ${route.scope} scope, which caller "reader" lacks`)) });
    }
    expect((await app.inject({ method: 'GET', url: PRICE, headers: bearer(READER) })).statusCode).toBe(200);
    for (const route of GUARDED.filter((r) => r.scope === 'compute')) {
      expect({ url: route.url, status: (await call(app, route, { 'x-api-key': COMPUTER })).statusCode }).toEqual({ url: route.url, status: 200 });
      expect({ url: route.url, status: (await call(app, route, { 'x-api-key': ADMIN_KEY })).statusCode }).toEqual({ url: route.url, status: 200 });
    }
    // compute alone does not read
    expect((await app.inject({ method: 'GET', url: PRICE, headers: bearer(COMPUTER) })).statusCode).toBe(403);
    // the admin API is the admin scope's alone
    expect((await app.inject({ method: 'GET', url: '/api/v1/admin/cache/info', headers: bearer(ALL) })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/v1/admin/cache/info', headers: bearer(ADMIN_KEY) })).statusCode).toBe(200);
  });

  it('AUTH_ANONYMOUS_SCOPES overrides the default (here: compute for anonymous callers in production)', async () => {
    const app = await startApp({ NODE_ENV: 'production', AUTH_ANONYMOUS_SCOPES: 'read,compute' });
    expect((await call(app, GUARDED[0])).statusCode).toBe(200);
    expect((await call(app, GUARDED[4])).statusCode).toBe(401);
  });
});

describe('callers outside production', () => {
  it('under test (like development) with no client credentials, anonymous callers hold read, compute and alerts, not admin', async () => {
    const app = await startApp({ ADMIN_API_KEY: ADMIN_KEY });
    for (const route of GUARDED.filter((r) => r.method === 'POST')) {
      expect({ url: route.url, status: (await call(app, route)).statusCode }).toEqual({ url: route.url, status: route.url.endsWith('alerts') ? 201 : 200 });
    }
    expect((await app.inject({ method: 'GET', url: '/api/v1/admin/cache/info' })).statusCode).toBe(401);
  });

  it('once a client credential is configured, anonymous callers only read', async () => {
    const app = await startApp({ CLIENT_CREDENTIALS: CREDENTIALS });
    expect((await app.inject({ method: 'GET', url: PRICE })).statusCode).toBe(200);
    expect((await call(app, GUARDED[0])).statusCode).toBe(401);
  });
});

describe('the HTTP cache fast path answers only callers holding read', () => {
  it('a caller without read (anonymous, compute-only, a wrong secret) never gets a fast-path hit of a cached route', async () => {
    const app = await startApp({ NODE_ENV: 'production', CLIENT_CREDENTIALS: CREDENTIALS, AUTH_ANONYMOUS_SCOPES: 'none' });
    const fastPath = app.get(HttpCacheFastPath);
    const answer = jest.spyOn(fastPath, 'answer');
    const nest = jest.spyOn(app.get(HttpCacheInterceptor), 'intercept');

    expect((await app.inject({ method: 'GET', url: PRICE, headers: bearer(READER) })).headers['x-cache']).toBe('MISS');
    const hit = await app.inject({ method: 'GET', url: PRICE, headers: bearer(READER) });
    expect(hit.headers['x-cache']).toBe('HIT-L1');
    expect(nest).toHaveBeenCalledTimes(1); // the hit was the fast path's
    expect(answer).toHaveBeenCalledTimes(1);

    for (const headers of [{}, bearer(COMPUTER), bearer('wrong-secret-0123456789'), { 'x-api-key': `${READER}0` }]) {
      const refused = await app.inject({ method: 'GET', url: PRICE, headers });
      expect(refused.statusCode).toBe(Object.keys(headers).length === 0 || refused.json().message.includes('no configured client') ? 401 : 403);
      expect(refused.headers['x-cache']).toBeUndefined();
      expect(refused.body).not.toBe(hit.body);
    }
    // The fast path was not even asked for them.
    expect(answer).toHaveBeenCalledTimes(1);
  });

  it('compute routes always take the full path (their budget is counted there), even for a cached answer', async () => {
    const app = await startApp({ CLIENT_CREDENTIALS: CREDENTIALS, CALLER_COMPUTE_PER_MINUTE: '1000' });
    const answer = jest.spyOn(app.get(HttpCacheFastPath), 'answer');
    const url = '/api/v1/market/prices?symbols=AAPL,MSFT';
    await app.inject({ method: 'GET', url, headers: bearer(COMPUTER) });
    const again = await app.inject({ method: 'GET', url, headers: bearer(COMPUTER) });
    expect(again.statusCode).toBe(200);
    expect(answer).not.toHaveBeenCalled();
    expect(again.headers['x-ratelimit-remaining-compute']).toBe('998');
  });
});

describe('rotation through CLIENT_CREDENTIALS_FILE, without a restart', () => {
  const dirs: string[] = [];
  let dir: string;
  beforeEach(() => dirs.push((dir = mkdtempSync(join(tmpdir(), 'mc-creds-')))));
  // After the apps are closed (afterEach), so no reload ever finds the file gone.
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /** Writes atomically (a rename, as a Kubernetes Secret volume swaps its files). */
  const write = (file: string, clients: object[]) => {
    writeFileSync(`${file}.tmp`, JSON.stringify({ clients }));
    renameSync(`${file}.tmp`, file);
  };
  const OLD = 'svc-old-secret-0123456789abcdef';
  const NEW = 'svc-new-secret-0123456789abcdef';

  async function until(check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the credentials file change was never picked up');
  }

  it('old secret, then old and new together, then new only; a broken rewrite keeps the last good set', async () => {
    const file = join(dir, 'credentials.json');
    write(file, [{ name: 'svc', scopes: ['read', 'compute'], secret: OLD }]);
    const app = await startApp({ NODE_ENV: 'production', CLIENT_CREDENTIALS_FILE: file, CLIENT_CREDENTIALS_RELOAD_MS: '50' });
    const status = async (secret: string) => (await call(app, GUARDED[2], bearer(secret))).statusCode;

    expect(await status(OLD)).toBe(200);
    expect(await status(NEW)).toBe(401);

    write(file, [{ name: 'svc', scopes: ['read', 'compute'], secrets: [OLD, NEW] }]);
    await until(async () => (await status(NEW)) === 200);
    expect(await status(OLD)).toBe(200);

    write(file, [{ name: 'svc', scopes: ['read', 'compute'], secrets: [NEW] }]);
    await until(async () => (await status(OLD)) === 401);
    expect(await status(NEW)).toBe(200);

    writeFileSync(file, '{ not json');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await status(NEW)).toBe(200);
  });

  it('an invalid file at boot stops the service with a message that names the entry, never the secret', async () => {
    const file = join(dir, 'credentials.json');
    write(file, [{ name: 'svc', scopes: ['read', 'root'], secret: OLD }]);
    await expect(createApp({ NODE_ENV: 'production', REDIS_ENABLED: 'false', LOG_LEVEL: 'silent', CLIENT_CREDENTIALS_FILE: file })).rejects.toThrow(/client 1: client "svc": scopes must be/);
    await expect(createApp({ NODE_ENV: 'production', REDIS_ENABLED: 'false', LOG_LEVEL: 'silent', CLIENT_CREDENTIALS: `svc:read+root:${OLD}` })).rejects.toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(OLD) }),
    );
  });
});

describe('per-caller compute budget', () => {
  it('past CALLER_COMPUTE_PER_MINUTE a caller gets 429 with Retry-After and a message naming the budget; other callers keep theirs', async () => {
    const app = await startApp({ CLIENT_CREDENTIALS: CREDENTIALS, CALLER_COMPUTE_PER_MINUTE: '3' });
    const routes = GUARDED.filter((r) => r.scope === 'compute');
    for (let i = 0; i < 3; i++) expect((await call(app, routes[i], bearer(COMPUTER))).statusCode).toBe(200);

    const limited = await call(app, routes[3], bearer(COMPUTER));
    expect(limited.statusCode).toBe(429);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.json()).toMatchObject({ statusCode: 429, error: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/caller "computer" may make at most 3 requests per minute.*CALLER_COMPUTE_PER_MINUTE.*retry after \d+ s/) });

    expect((await call(app, routes[0], bearer(ALL))).statusCode).toBe(200);
    // read routes are not budgeted; refused requests (403) do not spend a budget
    for (let i = 0; i < 5; i++) expect((await app.inject({ method: 'GET', url: PRICE, headers: bearer(ALL) })).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await call(app, routes[0], bearer(READER))).statusCode).toBe(403);
  });
});

describe('admin: failed attempts have their own budget per client IP', () => {
  it('a flood of wrong keys from one IP gets 429 past ADMIN_FAILED_AUTH_PER_MINUTE, and never locks out the right key', async () => {
    const app = await startApp({ ADMIN_API_KEY: ADMIN_KEY, ADMIN_RATE_LIMIT_PER_MINUTE: '5', ADMIN_FAILED_AUTH_PER_MINUTE: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) statuses.push((await app.inject({ method: 'GET', url: '/api/v1/admin/cache/info', headers: { 'x-api-key': `guess-${i}-0123456789abcdef` } })).statusCode);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(new Set(statuses.slice(3))).toEqual(new Set([429]));
    const flooded = await app.inject({ method: 'GET', url: '/api/v1/admin/cache/info' });
    expect(flooded.json().message).toMatch(/at most 3 per minute per client IP \(ADMIN_FAILED_AUTH_PER_MINUTE\); retry after \d+ s/);
    expect(Number(flooded.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    for (let i = 0; i < 5; i++) expect((await app.inject({ method: 'GET', url: '/api/v1/admin/cache/info', headers: { 'x-api-key': ADMIN_KEY } })).statusCode).toBe(200);
    // the operators' own budget still applies, per caller
    const over = await app.inject({ method: 'GET', url: '/api/v1/admin/cache/info', headers: { 'x-api-key': ADMIN_KEY } });
    expect(over.statusCode).toBe(429);
    expect(over.json().message).toMatch(/at most 5 per minute per caller \(ADMIN_RATE_LIMIT_PER_MINUTE\)/);
  });
});

describe('the caller on log lines and metrics', () => {
  it('names the caller on the access line (full path and fast path) and labels the HTTP metrics with it', async () => {
    const lines: string[] = [];
    const { app } = await createApp(
      { NODE_ENV: 'test', REDIS_ENABLED: 'false', REDIS_PREFIX: `auth${Math.random().toString(36).slice(2, 8)}:`, LOG_LEVEL: 'info', CLIENT_CREDENTIALS: CREDENTIALS },
      { logDestination: { write: (line: string) => void lines.push(line) } },
    );
    try {
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
      await app.inject({ method: 'GET', url: PRICE, headers: { ...bearer(READER), 'x-request-id': 'caller-miss' } });
      await app.inject({ method: 'GET', url: PRICE, headers: { ...bearer(READER), 'x-request-id': 'caller-hit' } });
      await app.inject({ method: 'GET', url: PRICE, headers: { 'x-request-id': 'caller-anon' } });
      // A line logged while the request runs (the filter's error line of a 500) names the caller too.
      jest.spyOn(SyntheticMarketDataProvider.prototype, 'getQuote').mockRejectedValueOnce(new TypeError('boom'));
      expect((await app.inject({ method: 'GET', url: '/api/v1/market/prices/MSFT', headers: { ...bearer(READER), 'x-request-id': 'caller-500' } })).statusCode).toBe(500);
      await new Promise((resolve) => setTimeout(resolve, 50));

      const entries = lines.map((line) => JSON.parse(line) as { req?: { id?: string }; reqId?: string; level: number; caller?: string; cache?: string });
      expect(entries.find((e) => e.reqId === 'caller-500' && e.level >= 50)).toMatchObject({ caller: 'reader' });
      const byId = (id: string) => entries.find((e) => e.req?.id === id);
      expect(byId('caller-miss')).toMatchObject({ caller: 'reader' });
      expect(byId('caller-hit')).toMatchObject({ caller: 'reader', cache: 'HIT-L1' });
      expect(byId('caller-anon')).toMatchObject({ caller: 'anonymous' });
      expect(lines.join('')).not.toContain(READER);

      const samples = parsePrometheus((await app.inject({ method: 'GET', url: '/metrics' })).body).filter((s) => s.name === 'mc_http_request_duration_seconds_count');
      const count = (caller: string) => samples.filter((s) => s.labels.caller === caller && s.labels.route === '/api/v1/market/prices/:symbol').reduce((n, s) => n + s.value, 0);
      expect(count('reader')).toBe(3);
      expect(count('anonymous')).toBe(1);
      expect(new Set(samples.map((s) => s.labels.caller))).toEqual(new Set(['reader', 'anonymous']));
    } finally {
      await app.close();
    }
  });
});
