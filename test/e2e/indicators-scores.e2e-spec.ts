import { MarketDataService } from '../../src/market-data/market-data.service';
import { ScoresService } from '../../src/scores/scores.service';
import { startApp } from '../support/app.builder';

const get = (url: string) => ({ method: 'GET' as const, url });
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const messageOf = (body: { message: string | string[] }) => JSON.stringify(body.message);

describe('indicators through the real app', () => {
  it('answers the six default indicators for AAPL with numbers', async () => {
    const app = await startApp();

    const response = await app.inject(get('/api/v1/indicators/aapl'));

    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ symbol: 'AAPL', interval: '1d', asOf: expect.stringMatching(DATE) });
    expect(Object.keys(body.values).sort()).toEqual(['atr14', 'bbands20', 'ema50', 'macd', 'rsi14', 'sma20']);
    for (const name of ['rsi14', 'sma20', 'ema50', 'atr14']) expect(Number.isFinite(body.values[name])).toBe(true);
    expect(body.values.rsi14).toBeGreaterThanOrEqual(0);
    expect(body.values.rsi14).toBeLessThanOrEqual(100);
    expect(body.values.macd).toEqual({ macd: expect.any(Number), signal: expect.any(Number), histogram: expect.any(Number) });
    expect(body.values.bbands20.upper).toBeGreaterThan(body.values.bbands20.middle);
    expect(body.values.bbands20.lower).toBeLessThan(body.values.bbands20.middle);
    expect(body.series).toBeUndefined();
  });

  it('answers only the names asked for, on weekly bars too', async () => {
    const app = await startApp();

    const daily = await app.inject(get('/api/v1/indicators/AAPL?names=rsi14'));
    const weekly = await app.inject(get('/api/v1/indicators/AAPL?names=sma20,macd_5_35_5&interval=1wk'));

    expect(daily.statusCode).toBe(200);
    expect(Object.keys(daily.json().values)).toEqual(['rsi14']);
    expect(weekly.statusCode).toBe(200);
    expect(weekly.json()).toMatchObject({ interval: '1wk', values: { sma20: expect.any(Number), macd_5_35_5: expect.any(Object) } });
  });

  it('rejects unknown, malformed and out-of-bounds names with a 400 naming them', async () => {
    const app = await startApp();

    const unknown = await app.inject(get('/api/v1/indicators/AAPL?names=foo'));
    const mixed = await app.inject(get('/api/v1/indicators/AAPL?names=rsi14,sma1,ema9999'));
    const empty = await app.inject(get('/api/v1/indicators/AAPL?names='));

    expect(unknown.statusCode).toBe(400);
    expect(messageOf(unknown.json())).toContain('foo');
    expect(messageOf(unknown.json())).toContain('names');
    expect(mixed.statusCode).toBe(400);
    expect(messageOf(mixed.json())).toMatch(/sma1, ema9999/);
    expect(messageOf(mixed.json())).not.toContain('rsi14');
    expect(empty.statusCode).toBe(400);
  });

  it.each([
    ['points=0', 'points must be at least 1'],
    ['points=1001', 'points must be at most 1000'],
    ['series=maybe', 'series must be true or false'],
    ['interval=1h', 'interval must be one of'],
    ['colour=red', 'colour\\" (accepted: interval, names, points, series)'],
  ])('rejects %s with a 400 naming the field', async (query, message) => {
    const app = await startApp();

    const response = await app.inject(get(`/api/v1/indicators/AAPL?${query}`));

    expect(response.statusCode).toBe(400);
    expect(messageOf(response.json())).toContain(message);
  });

  it('returns the last N points of each series, ending at the latest value', async () => {
    const app = await startApp();

    const body = (await app.inject(get('/api/v1/indicators/MSFT?series=true&points=10'))).json();

    expect(Object.keys(body.series).sort()).toEqual(Object.keys(body.values).sort());
    for (const [name, points] of Object.entries(body.series as Record<string, { date: string; value: unknown }[]>)) {
      expect(points).toHaveLength(10);
      expect(points.at(-1)).toEqual({ date: body.asOf, value: body.values[name] });
      expect(points.map((p) => p.date)).toEqual(points.map((p) => p.date).sort());
    }
  });

  it('serves the second call from L1 and computes once for the same name set in any order', async () => {
    const app = await startApp();
    const getHistory = jest.spyOn(app.get(MarketDataService), 'getHistory');

    const first = await app.inject(get('/api/v1/indicators/JPM?names=sma20,rsi14'));
    const second = await app.inject(get('/api/v1/indicators/JPM?names=sma20,rsi14'));
    const reordered = await app.inject(get('/api/v1/indicators/JPM?names=rsi14,sma20'));

    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT-L1');
    expect(second.body).toBe(first.body);
    expect(reordered.json()).toEqual(first.json());
    expect(getHistory).toHaveBeenCalledTimes(1);
  });

  it('answers 404 for an unknown symbol', async () => {
    const app = await startApp();

    const response = await app.inject(get('/api/v1/indicators/ZZZZZZ'));

    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: 'SYMBOL_NOT_FOUND' });
  });
});

describe('scores through the real app', () => {
  it.each([
    ['short', 504],
    ['medium', 504],
    ['long', 778],
  ])('scores AAPL on the %s horizon', async (horizon, dataPoints) => {
    const app = await startApp();

    const response = await app.inject(get(`/api/v1/scores/AAPL?horizon=${horizon}`));

    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ symbol: 'AAPL', horizon, model: 'heuristic-v1', dataPoints, asOf: expect.stringMatching(DATE) });
    for (const score of [body.momentum, body.value, body.composite]) {
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(100);
    }
    expect(body.confidence).toBeGreaterThan(0);
    expect(body.confidence).toBeLessThanOrEqual(1);
    expect(body.components.momentumWindows).toHaveLength(2);
  });

  it('defaults to the medium horizon, caches the response and matches the exported service', async () => {
    const app = await startApp();

    const first = await app.inject(get('/api/v1/scores/XOM'));
    const second = await app.inject(get('/api/v1/scores/XOM'));

    expect(first.json()).toMatchObject({ horizon: 'medium' });
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT-L1');
    expect(await app.get(ScoresService).scoreSymbol('xom', 'medium')).toEqual(first.json());
  });

  it('rejects a bad horizon with a 400 and an unknown symbol with a 404', async () => {
    const app = await startApp();

    const bad = await app.inject(get('/api/v1/scores/AAPL?horizon=bad'));
    const unknown = await app.inject(get('/api/v1/scores/ZZZZZZ?horizon=short'));

    expect(bad.statusCode).toBe(400);
    expect(messageOf(bad.json())).toContain('horizon must be one of short, medium, long');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'SYMBOL_NOT_FOUND', message: 'Unknown symbol: ZZZZZZ' });
  });
});
