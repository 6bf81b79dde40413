import { Controller, Get, Injectable, Param, Post } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { CacheKeys, CacheModule, CachePolicy, CacheService, Cached, HttpCacheInterceptor, InvalidateCache, NoCache } from '../../src/cache';
import { buildCacheConfig } from '../../src/config/cache.config';
import { validateEnv } from '../../src/config/load-env';

@Injectable()
class ScoreService {
  runs = 0;

  constructor(readonly cache: CacheService) {}

  @Cached('score', (symbol: string) => CacheKeys.score(symbol, 'short'))
  async score(symbol: string): Promise<{ symbol: string; run: number }> {
    this.runs++;
    return { symbol, run: this.runs };
  }
}

let ticks = 0;

@Controller('t')
@CachePolicy('default')
class DecoratedController {
  constructor(private readonly scores: ScoreService) {}

  @Get('clock')
  clock() {
    return { tick: ++ticks };
  }

  @Get('clock-uncached')
  @NoCache()
  uncachedClock() {
    return { tick: ++ticks };
  }

  @Get('score/:symbol')
  @NoCache()
  score(@Param('symbol') symbol: string) {
    return this.scores.score(symbol.toUpperCase());
  }

  @Post('score/:symbol/refresh')
  @InvalidateCache({ patterns: [(req) => `v1:score:${req.params.symbol.toUpperCase()}:*`] })
  refresh() {
    return { ok: true };
  }
}

describe('cache decorators in a Nest app', () => {
  let app: NestFastifyApplication;

  beforeEach(async () => {
    const config = buildCacheConfig(validateEnv({ REDIS_ENABLED: 'false' }));
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ ...config, isGlobal: true })],
      controllers: [DecoratedController],
      providers: [ScoreService, { provide: APP_INTERCEPTOR, useExisting: HttpCacheInterceptor }],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterEach(() => app.close());

  it('@CachePolicy on a controller caches its GET routes', async () => {
    const first = await app.inject({ method: 'GET', url: '/t/clock' });
    const second = await app.inject({ method: 'GET', url: '/t/clock' });
    expect(second.json()).toEqual(first.json());
    expect(second.headers['x-cache']).toBe('HIT-L1');
  });

  it('@NoCache on a handler wins over the controller policy', async () => {
    const first = await app.inject({ method: 'GET', url: '/t/clock-uncached' });
    const second = await app.inject({ method: 'GET', url: '/t/clock-uncached' });
    expect(second.json().tick).toBe(first.json().tick + 1);
    expect(second.headers['x-cache']).toBeUndefined();
  });

  it('@Cached caches a service method through wrap, and @InvalidateCache drops it after the handler succeeds', async () => {
    const scores = app.get(ScoreService);

    await app.inject({ method: 'GET', url: '/t/score/aapl' });
    await app.inject({ method: 'GET', url: '/t/score/aapl' });
    expect(scores.runs).toBe(1);
    expect(await app.get(CacheService).get(CacheKeys.score('AAPL', 'short'))).toEqual({ symbol: 'AAPL', run: 1 });

    const refreshed = await app.inject({ method: 'POST', url: '/t/score/aapl/refresh' });
    expect(refreshed.statusCode).toBe(201);
    const after = await app.inject({ method: 'GET', url: '/t/score/aapl' });

    expect(after.json()).toEqual({ symbol: 'AAPL', run: 2 });
    expect(scores.runs).toBe(2);
  });

  it('@Cached coalesces concurrent calls into one run', async () => {
    const scores = app.get(ScoreService);
    const results = await Promise.all(Array.from({ length: 50 }, () => scores.score('MSFT')));
    expect(scores.runs).toBe(1);
    expect(new Set(results.map((r) => r.run))).toEqual(new Set([1]));
  });
});
