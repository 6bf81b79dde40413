import { Controller, Get, Injectable, UseGuards, type CanActivate } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { createApp } from '../../src/bootstrap';
import { CacheKeys, CacheModule, CachePolicy, CacheService, HttpCacheFastPath, HttpCacheInterceptor, installHttpCacheFastPath } from '../../src/cache';
import { buildCacheConfig } from '../../src/config/cache.config';
import { validateEnv } from '../../src/config/load-env';
import { MetricsRegistry } from '../../src/metrics/metrics-registry';
import { startApp } from '../support/app.builder';

const PRICE = '/api/v1/market/prices/AAPL';

/** Calls of the interceptor: each one is a request that went through Nest rather than the fast path. */
function countNestPasses(app: NestFastifyApplication): jest.SpyInstance {
  return jest.spyOn(app.get(HttpCacheInterceptor), 'intercept');
}

afterEach(() => jest.restoreAllMocks());

describe('HTTP cache fast path (fresh L1 hits answered before Nest)', () => {
  it('answers repeated GETs without Nest, with the bytes and headers of the cached response', async () => {
    const app = await startApp();
    const nest = countNestPasses(app);

    const miss = await app.inject({ method: 'GET', url: PRICE });
    const hits = [await app.inject({ method: 'GET', url: PRICE, headers: { 'x-request-id': 'fast-1' } }), await app.inject({ method: 'GET', url: PRICE })];

    expect(nest).toHaveBeenCalledTimes(1);
    expect(miss.headers['x-cache']).toBe('MISS');
    for (const hit of hits) {
      expect(hit.statusCode).toBe(200);
      expect(hit.headers['x-cache']).toBe('HIT-L1');
      expect(hit.body).toBe(miss.body);
      expect(hit.headers.etag).toBe(miss.headers.etag);
      expect(hit.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(hit.headers['cache-control']).toMatch(/^max-age=(29\d|300)$/);
      expect(Number(hit.headers.age)).toBeGreaterThanOrEqual(0);
    }
    expect(hits[0].headers['x-request-id']).toBe('fast-1');
    expect(hits[1].headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 304 to a matching If-None-Match, and 200 to another, without Nest', async () => {
    const app = await startApp();
    const first = await app.inject({ method: 'GET', url: PRICE });
    const nest = countNestPasses(app);

    const revalidated = await app.inject({ method: 'GET', url: PRICE, headers: { 'if-none-match': String(first.headers.etag) } });
    const changed = await app.inject({ method: 'GET', url: PRICE, headers: { 'if-none-match': '"other"' } });

    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.body).toBe('');
    expect(changed.statusCode).toBe(200);
    expect(changed.body).toBe(first.body);
    expect(nest).not.toHaveBeenCalled();
  });

  it('answers only URLs the full path has keyed; falls through once the entry is deleted and for new spellings', async () => {
    const app = await startApp();
    const history = '/api/v1/market/history/AAPL';
    await app.inject({ method: 'GET', url: `${history}?period=1mo&interval=1d` });
    const nest = countNestPasses(app);

    // A new spelling of a cached request: the full path keys it (a hit), then the fast path knows it.
    const reordered = await app.inject({ method: 'GET', url: `${history}?interval=1d&period=1mo` });
    const again = await app.inject({ method: 'GET', url: `${history}?interval=1d&period=1mo` });
    const other = await app.inject({ method: 'GET', url: `${history}?interval=1d&period=3mo` });
    await app.get(CacheService).delete(CacheKeys.http('history', '/market/history/AAPL', 'interval=1d&period=1mo'));
    const afterDelete = await app.inject({ method: 'GET', url: `${history}?interval=1d&period=1mo` });

    expect(reordered.headers['x-cache']).toBe('HIT-L1');
    expect(again.headers['x-cache']).toBe('HIT-L1');
    expect(other.headers['x-cache']).toBe('MISS');
    expect(afterDelete.headers['x-cache']).toBe('MISS');
    expect(nest).toHaveBeenCalledTimes(3);
  });

  it('leaves validation errors, other methods and uncached routes to Nest', async () => {
    const app = await startApp();
    await app.inject({ method: 'GET', url: PRICE });

    const invalid = await app.inject({ method: 'GET', url: '/api/v1/market/prices/not!valid' });
    const head = await app.inject({ method: 'HEAD', url: PRICE });
    const live = await app.inject({ method: 'GET', url: '/health/live' });

    expect(invalid.statusCode).toBe(400);
    expect(head.statusCode).toBe(200);
    expect(live.statusCode).toBe(200);
    expect(live.headers['x-cache']).toBeUndefined();
  });

  it('still counts fast-path hits in the cache and HTTP metrics and writes their access log line', async () => {
    const lines: string[] = [];
    const { app } = await createApp(
      { NODE_ENV: 'test', REDIS_ENABLED: 'false', REDIS_PREFIX: 'fastlog:', LOG_LEVEL: 'info' },
      { logDestination: { write: (line: string) => void lines.push(line) } },
    );
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    try {
      await app.inject({ method: 'GET', url: PRICE });
      const nest = countNestPasses(app);
      for (let i = 0; i < 3; i++) await app.inject({ method: 'GET', url: PRICE, headers: { 'x-request-id': `fast-log-${i}` } });
      const metrics = await app.get(MetricsRegistry).registry.metrics();

      expect(nest).not.toHaveBeenCalled();
      expect(metrics).toMatch(/mc_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/market\/prices\/:symbol",status_code="200",caller="anonymous"\} 4/);
      expect(app.get(CacheService).stats().policies.price.hitsL1).toBeGreaterThanOrEqual(3);
      const completed = lines.map((line) => JSON.parse(line) as { msg?: string; req?: { id?: string } }).filter((l) => l.msg === 'request completed');
      expect(completed.map((l) => l.req?.id)).toEqual(expect.arrayContaining(['fast-log-0', 'fast-log-1', 'fast-log-2']));
    } finally {
      await app.close();
    }
  });
});

@Injectable()
class CountingGuard implements CanActivate {
  calls = 0;
  allow = true;
  canActivate(): boolean {
    this.calls++;
    return this.allow;
  }
}

@Controller('guarded')
@CachePolicy('default')
class GuardedController {
  runs = 0;

  @Get('open')
  open() {
    return { run: ++this.runs };
  }

  @Get('closed')
  @UseGuards(CountingGuard)
  closed() {
    return { run: ++this.runs };
  }
}

describe('HTTP cache fast path and guards', () => {
  let app: NestFastifyApplication;

  beforeEach(async () => {
    const config = buildCacheConfig(validateEnv({ REDIS_ENABLED: 'false' }));
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ ...config, isGlobal: true })],
      controllers: [GuardedController],
      providers: [CountingGuard, { provide: APP_INTERCEPTOR, useExisting: HttpCacheInterceptor }],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    installHttpCacheFastPath(app.getHttpAdapter().getInstance()).bind(app.get(HttpCacheFastPath));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterEach(() => app.close());

  it('never answers a route with its own guard: the guard runs on every request and can still refuse', async () => {
    const guard = app.get(CountingGuard);

    const first = await app.inject({ method: 'GET', url: '/guarded/closed' });
    const second = await app.inject({ method: 'GET', url: '/guarded/closed' });
    guard.allow = false;
    const refused = await app.inject({ method: 'GET', url: '/guarded/closed' });

    expect(second.headers['x-cache']).toBe('HIT-L1');
    expect(second.body).toBe(first.body);
    expect(guard.calls).toBe(3);
    expect(refused.statusCode).toBe(403);
  });

  it('answers a route without guards from the fast path', async () => {
    const nest = countNestPasses(app);
    await app.inject({ method: 'GET', url: '/guarded/open' });
    const hit = await app.inject({ method: 'GET', url: '/guarded/open' });

    expect(hit.headers['x-cache']).toBe('HIT-L1');
    expect(nest).toHaveBeenCalledTimes(1);
  });
});
