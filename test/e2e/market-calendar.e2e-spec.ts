import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/bootstrap';
import { ManualClock } from '../../src/clock';
import { realizedVolatilityPercent } from '../../src/market-calendar';
import { LimitedMarketDataProvider } from '../../src/market-data/providers/limited.provider';

// December 2026, New York at UTC-5: Friday 4th, Monday 7th, Tuesday 8th.
const at = (iso: string) => Date.parse(iso);
const FRIDAY_1605 = at('2026-12-04T21:05:00Z');
const MONDAY_OPEN = at('2026-12-07T14:30:00Z');
const MARGIN_S = 60;

let app: NestFastifyApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function appAt(clock: ManualClock): Promise<NestFastifyApplication> {
  const prefix = `e2e${Math.random().toString(36).slice(2, 8)}:`;
  ({ app } = await createApp(
    { NODE_ENV: 'test', REDIS_ENABLED: 'false', REDIS_PREFIX: prefix, LOG_LEVEL: 'error', CACHE_TTL_RULES: 'calendar', MARKET_OPEN_MARGIN_SECONDS: String(MARGIN_S) },
    { clock },
  ));
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

const get = (url: string) => ({ method: 'GET' as const, url });
const maxAge = (response: { headers: Record<string, unknown> }) => Number(/max-age=(\d+)/.exec(String(response.headers['cache-control']))?.[1]);

describe('freshness that follows the market (real app, injected clock)', () => {
  it('caches a quote read Friday after the close until Monday open: no upstream call over the weekend', async () => {
    const clock = new ManualClock(FRIDAY_1605);
    const sut = await appAt(clock);
    const upstream = sut.get(LimitedMarketDataProvider);
    const first = await sut.inject(get('/api/v1/market/prices/AAPL'));
    const calls = upstream.stats().calls;

    expect(first.headers['x-cache']).toBe('MISS');
    expect(maxAge(first)).toBe((MONDAY_OPEN - FRIDAY_1605) / 1000 + MARGIN_S);
    for (const iso of ['2026-12-05T02:00:00Z', '2026-12-05T20:00:00Z', '2026-12-06T22:00:00Z', '2026-12-07T14:30:30Z']) {
      clock.set(at(iso));
      const response = await sut.inject(get('/api/v1/market/prices/AAPL'));
      expect({ iso, cache: response.headers['x-cache'], body: response.body }).toEqual({ iso, cache: 'HIT-L1', body: first.body });
      // The remaining lifetime, on the injected clock.
      expect(maxAge(response)).toBe(Math.floor((MONDAY_OPEN + MARGIN_S * 1000 - at(iso)) / 1000));
    }
    expect(upstream.stats().calls).toBe(calls);

    clock.set(MONDAY_OPEN + 5 * 60_000);
    await sut.inject(get('/api/v1/market/prices/AAPL')); // stale: one refresh starts
    await new Promise((resolve) => setTimeout(resolve, 20));
    const monday = await sut.inject(get('/api/v1/market/prices/AAPL'));
    expect(upstream.stats().calls).toBeGreaterThan(calls);
    expect(monday.json().price).not.toBe(first.json().price);
    expect(maxAge(monday)).toBeLessThanOrEqual(300);
  });

  it('keeps a quote read at 11:00 on a Tuesday for the policy TTL', async () => {
    const sut = await appAt(new ManualClock(at('2026-12-08T16:00:00Z')));
    const response = await sut.inject(get('/api/v1/market/prices/MSFT'));

    expect(maxAge(response)).toBe(300);
  });

  it('gives a volatile symbol a shorter score lifetime than a calm one during the session', async () => {
    const sut = await appAt(new ManualClock(at('2026-12-08T14:45:00Z'))); // Tuesday 09:45
    const sample = (await sut.inject(get('/api/v1/market/tickers?market=sp500'))).json<{ symbols: { symbol: string }[] }>().symbols.slice(0, 60);
    const withVol = await Promise.all(
      sample.map(async ({ symbol }) => {
        const bars = (await sut.inject(get(`/api/v1/market/history/${symbol}?interval=1d&period=1mo`))).json<{ bars: { close: number }[] }>().bars;
        return { symbol, vol: realizedVolatilityPercent(bars.map((b) => b.close))! };
      }),
    );
    withVol.sort((a, b) => a.vol - b.vol);
    const calm = withVol[0];
    const volatile = withVol[withVol.length - 1];
    const scoreAge = async (symbol: string) => maxAge(await sut.inject(get(`/api/v1/scores/${symbol}?horizon=short`)));

    expect(volatile.vol).toBeGreaterThan(calm.vol);
    expect(await scoreAge(volatile.symbol)).toBeLessThan(await scoreAge(calm.symbol));
    expect(await scoreAge(volatile.symbol)).toBeLessThanOrEqual(8 * 3600);
  });
});
