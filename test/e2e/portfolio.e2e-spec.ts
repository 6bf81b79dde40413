import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CacheService } from '../../src/cache';
import { MAX_PORTFOLIO_HOLDINGS } from '../../src/portfolio/portfolio-holdings';
import { startApp } from '../support/app.builder';
import { timed } from '../support/latency';
import { RedisServer } from '../support/redis-server';

let redis: RedisServer;

beforeAll(async () => {
  redis = await RedisServer.start();
});

afterAll(async () => {
  await redis.stop();
});

const analyze = (app: NestFastifyApplication, body: unknown) =>
  app.inject({ method: 'POST', url: '/api/v1/portfolio/analyze', payload: body as object });
// The app never waits for Redis to connect; a test about L2 must, or its first reads miss by design.
async function withRedis(env: Record<string, string> = {}): Promise<NestFastifyApplication> {
  const app = await startApp({ REDIS_ENABLED: 'true', REDIS_URL: redis.url, ...env });
  const deadline = Date.now() + 5000;
  while (app.get(CacheService).stats().backend !== 'redis' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return app;
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

interface Holding {
  symbol: string;
  price: number;
  value: number | null;
  weight: number;
  sector: string;
  score: { composite: number | null };
}

describe('POST /api/v1/portfolio/analyze', () => {
  it('analyzes a quantity portfolio: value, weights, per-holding figures, risk, sectors, diversification', async () => {
    const app = await withRedis();

    const response = await analyze(app, { holdings: [{ symbol: 'AAPL', quantity: 10 }, { symbol: 'XOM', quantity: 20 }, { symbol: 'JPM', quantity: 5 }] });

    expect(response.statusCode).toBe(200);
    const body = response.json();
    const holdings: Holding[] = body.holdings;
    expect(holdings.map((h) => h.symbol)).toEqual(['AAPL', 'JPM', 'XOM']);
    expect(sum(holdings.map((h) => h.weight))).toBeCloseTo(1, 12);
    expect(sum(Object.values(body.weights as Record<string, number>))).toBeCloseTo(1, 12);
    expect(body.totalValue).toBeCloseTo(sum(holdings.map((h) => h.value ?? NaN)), 1);
    for (const h of holdings) {
      expect(h.price).toBeGreaterThan(0);
      expect(h.sector).toEqual(expect.any(String));
      expect(h.score.composite).toEqual(expect.any(Number));
      expect(h).toHaveProperty('prediction');
    }
    expect(body.risk).toMatchObject({
      observations: expect.any(Number),
      annualizedVolatility: expect.any(Number),
      sharpeRatio: expect.any(Number),
      maxDrawdown: expect.any(Number),
      beta: expect.any(Number),
      riskFreeRate: 0.04,
      marketProxy: { kind: 'equal-weighted-sample' },
    });
    expect(body.risk.observations).toBeGreaterThan(240);
    expect(body.risk.annualizedVolatility).toBeGreaterThan(0.05);
    expect(body.risk.maxDrawdown).toBeGreaterThanOrEqual(0);
    expect(body.risk.maxDrawdown).toBeLessThan(1);
    expect(body.risk.marketProxy.symbols.length).toBe(20);
    expect(sum(body.sectorExposure.map((s: { weight: number }) => s.weight))).toBeCloseTo(1, 5);
    expect(body.benchmarkWeighting).toBe('market-cap');
    expect(body.diversification.score).toBeGreaterThan(0);
    expect(body.diversification.score).toBeLessThanOrEqual(100);
    expect(body).toMatchObject({ basis: 'quantity', horizon: 'medium', benchmark: 'sp500', lookback: '1y', unknown: [], notes: [], servedFromCache: false });
  });

  it('serves the same holdings in another order and case from the cache, also to a replica sharing Redis', async () => {
    const prefix = `e2epf${Math.random().toString(36).slice(2, 8)}:`;
    const app = await withRedis({ REDIS_PREFIX: prefix });
    const holdings = [{ symbol: 'AAPL', quantity: 10 }, { symbol: 'XOM', quantity: 20 }, { symbol: 'JPM', quantity: 5 }];

    const cold = (await analyze(app, { holdings })).json();
    const reordered = (await analyze(app, { holdings: [{ symbol: 'jpm', quantity: 5 }, { symbol: 'Xom', quantity: 20 }, { symbol: 'aapl', quantity: 10 }] })).json();
    const otherHorizon = (await analyze(app, { holdings, horizon: 'short' })).json();
    const replica = await withRedis({ REDIS_PREFIX: prefix });
    const fromL2 = (await analyze(replica, { holdings })).json();

    expect(cold.servedFromCache).toBe(false);
    expect(reordered.servedFromCache).toBe(true);
    expect(reordered.computedAt).toBe(cold.computedAt);
    expect({ ...reordered, servedFromCache: false }).toEqual(cold);
    expect(otherHorizon.servedFromCache).toBe(false);
    expect(fromL2.servedFromCache).toBe(true);
    expect(fromL2.computedAt).toBe(cold.computedAt);
  });

  it('normalizes a weight portfolio and leaves its value null', async () => {
    const app = await startApp();

    const body = (await analyze(app, { holdings: [{ symbol: 'MSFT', weight: 60 }, { symbol: 'KO', weight: 40 }], lookback: '6mo' })).json();

    expect(body.totalValue).toBeNull();
    expect(body.weights).toEqual({ KO: 0.4, MSFT: 0.6 });
    expect(body.holdings.every((h: Holding) => h.value === null)).toBe(true);
    expect(body.notes).toEqual(['weights summed to 100; normalized to sum to 1']);
    expect(body.risk.observations).toBe(125);
  });

  it('merges duplicate symbols with a note and lists unknown symbols apart', async () => {
    const app = await startApp();

    const body = (await analyze(app, { holdings: [{ symbol: 'AAPL', quantity: 10 }, { symbol: 'NOPE1', quantity: 3 }, { symbol: 'aapl', quantity: 5 }] })).json();

    expect(body.holdings).toHaveLength(1);
    expect(body.holdings[0]).toMatchObject({ symbol: 'AAPL', quantity: 15, weight: 1 });
    expect(body.unknown).toEqual(['NOPE1']);
    expect(body.notes).toEqual(expect.arrayContaining(['AAPL appeared 2 times; merged into one holding (quantity 15)']));
    expect(body.diversification.score).toBe(0);
  });

  it('answers 404 when no holding is a known symbol', async () => {
    const app = await startApp();
    const response = await analyze(app, { holdings: [{ symbol: 'NOPE1', quantity: 1 }, { symbol: 'NOPE2', quantity: 1 }] });
    expect(response.statusCode).toBe(404);
    expect(response.json().message).toBe('None of the holdings is a known symbol: NOPE1, NOPE2');
  });

  it('finds sector gaps with suggested names for an all-tech portfolio', async () => {
    const app = await startApp();

    const body = (await analyze(app, { holdings: [{ symbol: 'AAPL', weight: 1 }, { symbol: 'MSFT', weight: 1 }, { symbol: 'NVDA', weight: 1 }] })).json();

    expect(body.sectorExposure).toEqual([{ sector: 'Information Technology', weight: 1 }]);
    const gaps: { sector: string; gap: number; suggestions: { symbol: string; composite: number }[] }[] = body.sectorGaps;
    const under = gaps.filter((g) => g.gap < -0.02);
    expect(under.length).toBeGreaterThanOrEqual(5);
    for (const gap of under) {
      expect(gap.suggestions.length).toBeGreaterThan(0);
      expect(gap.suggestions.length).toBeLessThanOrEqual(3);
      const composites = gap.suggestions.map((s) => s.composite);
      expect(composites).toEqual([...composites].sort((a, b) => b - a));
    }
    expect(gaps.find((g) => g.sector === 'Information Technology')).toMatchObject({ suggestions: [] });
    expect(gaps.find((g) => g.sector === 'Information Technology')?.gap).toBeGreaterThan(0);
  });

  it('measures a cold and a cached analysis of ten holdings', async () => {
    const app = await withRedis();
    const holdings = ['AAPL', 'MSFT', 'AMZN', 'JPM', 'XOM', 'JNJ', 'PG', 'NEE', 'CAT', 'LIN'].map((symbol, i) => ({ symbol, quantity: 10 + i }));

    const cold = await timed(() => analyze(app, { holdings }));
    const cached = await timed(() => analyze(app, { holdings: [...holdings].reverse() }));

    expect(cold.value.statusCode).toBe(200);
    expect(cached.value.json().servedFromCache).toBe(true);
    process.stdout.write(`portfolio of 10: cold ${cold.ms.toFixed(0)} ms, cached ${cached.ms.toFixed(1)} ms\n`);
  });

  const many = Array.from({ length: MAX_PORTFOLIO_HOLDINGS + 1 }, (_, i) => ({ symbol: `S${i}`, quantity: 1 }));
  it.each([
    ['negative quantity', { holdings: [{ symbol: 'AAPL', quantity: -5 }] }, 'holdings.0.quantity must be positive'],
    ['zero quantity', { holdings: [{ symbol: 'AAPL', quantity: 0 }] }, 'holdings.0.quantity must be positive'],
    ['"NaN" string', { holdings: [{ symbol: 'AAPL', quantity: 'NaN' }] }, 'holdings.0.quantity must be a finite number'],
    ['"12abc" string', { holdings: [{ symbol: 'AAPL', quantity: '12abc' }] }, 'holdings.0.quantity must be a finite number'],
    ['negative weight', { holdings: [{ symbol: 'AAPL', weight: -0.5 }] }, 'holdings.0.weight must be positive'],
    ['mixed quantity and weight', { holdings: [{ symbol: 'AAPL', quantity: 1 }, { symbol: 'MSFT', weight: 0.5 }] }, 'holdings must all have quantity or all have weight'],
    ['quantity and weight on one holding', { holdings: [{ symbol: 'AAPL', quantity: 1, weight: 1 }] }, 'holdings.0 must have either quantity or weight'],
    ['neither quantity nor weight', { holdings: [{ symbol: 'AAPL' }] }, 'holdings.0 must have either quantity or weight'],
    ['more than the maximum', { holdings: many }, `holdings may contain at most ${MAX_PORTFOLIO_HOLDINGS} holdings`],
    ['empty holdings', { holdings: [] }, 'holdings must contain at least one holding'],
    ['missing holdings', {}, 'holdings must be an array'],
    ['malformed symbol', { holdings: [{ symbol: 'bad*sym', quantity: 1 }] }, 'holdings.0.symbol'],
    ['unknown field', { holdings: [{ symbol: 'AAPL', quantity: 1, extra: true }] }, 'holdings.0.property extra should not exist'],
    ['unknown horizon', { holdings: [{ symbol: 'AAPL', quantity: 1 }], horizon: 'forever' }, 'horizon must be one of'],
    ['unknown benchmark', { holdings: [{ symbol: 'AAPL', quantity: 1 }], benchmark: 'nasdaq' }, 'benchmark must be one of'],
  ])('rejects %s with a 400 naming the field', async (_, body, message) => {
    const app = await startApp();
    const response = await analyze(app, body);
    expect(response.statusCode).toBe(400);
    expect(JSON.stringify(response.json().message)).toContain(message);
  });
});
