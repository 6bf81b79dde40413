import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { LimitedMarketDataProvider } from '../../src/market-data/providers/limited.provider';
import { MAX_UNKNOWN_SYMBOLS_PER_REQUEST } from '../../src/market-data/unknown-symbol-budget';
import { startApp } from '../support/app.builder';

// Names no provider knows (the synthetic universe's tickers are letters only).
const unknownNames = (count: number, tag = 'NOSUCH') => Array.from({ length: count }, (_, i) => `${tag}${i}`);

/** Upstream calls made while `fn` runs (the process-wide limiter counts every provider call). */
async function upstreamCallsOf<T>(app: NestFastifyApplication, fn: () => Promise<T>): Promise<{ calls: number; result: T }> {
  const upstream = app.get(LimitedMarketDataProvider);
  const before = upstream.stats().calls;
  const result = await fn();
  return { calls: upstream.stats().calls - before, result };
}

const scan = (app: NestFastifyApplication, payload: object) => app.inject({ method: 'POST', url: '/api/v1/scans', payload });

// Figures for the closing note: upstream calls per request, in test order.
const figures: Record<string, number> = {};
afterAll(() => console.log(`negative caching, upstream calls: ${JSON.stringify(figures)}`));

describe('unknown symbols are cached as not found, and bounded per request', () => {
  it('a scan of unknown names reaches the upstream once per symbol; the same names again cost no upstream call', async () => {
    const app = await startApp();
    const symbols = unknownNames(MAX_UNKNOWN_SYMBOLS_PER_REQUEST);

    const first = await upstreamCallsOf(app, () => scan(app, { symbols, limit: 10 }));
    // Another request (another limit), so the whole-answer scan cache cannot serve it.
    const second = await upstreamCallsOf(app, () => scan(app, { symbols, limit: 20 }));
    figures.scan50First = first.calls;
    figures.scan50Second = second.calls;

    expect(first.result.statusCode).toBe(200);
    expect(first.result.json().unknown).toEqual([...symbols].sort());
    expect(second.result.statusCode).toBe(200);
    expect(second.result.json()).toMatchObject({ unknown: [...symbols].sort(), servedFromCache: false });
    // Info and history of one unknown symbol: one lookup settles both.
    expect(first.calls).toBe(symbols.length);
    expect(second.calls).toBe(0);
  });

  it('a scan naming more unknown symbols than the bound is a 400 naming the limit, and stops looking them up', async () => {
    const app = await startApp();
    const symbols = [...unknownNames(2_000), 'AAPL'];

    const first = await upstreamCallsOf(app, () => scan(app, { symbols }));
    const second = await upstreamCallsOf(app, () => scan(app, { symbols, limit: 7 }));
    figures.scan2000First = first.calls;
    figures.scan2000Second = second.calls;

    expect(first.result.statusCode).toBe(400);
    expect(first.result.json()).toMatchObject({ statusCode: 400, error: 'INVALID_ARGUMENT' });
    expect(first.result.json().message).toContain(`at most ${MAX_UNKNOWN_SYMBOLS_PER_REQUEST} unknown symbols`);
    // The bound plus the lookups already running (16 at a time) when it was reached, far from 2,000 × 2.
    expect(first.calls).toBeLessThanOrEqual(MAX_UNKNOWN_SYMBOLS_PER_REQUEST + 20);
    expect(second.result.statusCode).toBe(400);
    expect(second.calls).toBe(0);
  });

  it('a single unknown symbol still answers 404, from the negative cache the second time', async () => {
    const app = await startApp();

    const first = await upstreamCallsOf(app, () => app.inject({ method: 'GET', url: '/api/v1/market/prices/NOSUCH1' }));
    const again = await upstreamCallsOf(app, () => app.inject({ method: 'GET', url: '/api/v1/market/history/nosuch1' }));

    for (const { result } of [first, again]) {
      expect(result.statusCode).toBe(404);
      expect(result.json()).toMatchObject({ error: 'SYMBOL_NOT_FOUND' });
    }
    expect(first.calls).toBe(1);
    expect(again.calls).toBe(0);
  });

  it('batch prices and batch predictions list unknown symbols apart, once per symbol per TTL, and refuse past the bound', async () => {
    const app = await startApp();
    const names = unknownNames(10, 'NOPE');

    const prices = await upstreamCallsOf(app, () => app.inject({ method: 'GET', url: `/api/v1/market/prices?symbols=AAPL,${names.join(',')}` }));
    const pricesAgain = await upstreamCallsOf(app, () => app.inject({ method: 'GET', url: `/api/v1/market/prices?symbols=MSFT,${names.join(',')}` }));
    const predictions = await upstreamCallsOf(app, () =>
      app.inject({ method: 'POST', url: '/api/v1/predictions/batch', payload: { symbols: names } }),
    );
    const tooMany = await upstreamCallsOf(app, () =>
      app.inject({ method: 'GET', url: `/api/v1/market/prices?symbols=${unknownNames(MAX_UNKNOWN_SYMBOLS_PER_REQUEST + 1, 'ZILCH').join(',')}` }),
    );
    figures.batchPricesFirst = prices.calls;
    figures.batchPricesSecond = pricesAgain.calls;
    figures.batchPredictionsAfterPrices = predictions.calls;

    expect(prices.result.json().unknown).toEqual([...names].sort());
    expect(prices.calls).toBe(1 + names.length);
    expect(pricesAgain.result.json().unknown).toEqual([...names].sort());
    expect(pricesAgain.calls).toBe(1);
    expect(predictions.result.statusCode).toBe(200);
    expect(predictions.result.json().unknown).toEqual(names);
    expect(predictions.calls).toBe(0);
    expect(tooMany.result.statusCode).toBe(400);
    expect(tooMany.result.json().message).toContain(`at most ${MAX_UNKNOWN_SYMBOLS_PER_REQUEST} unknown symbols`);
  });
});
