import { CacheEvents } from '../cache/cache.events';
import { buildPolicies, DEFAULT_POLICY_TTL_SECONDS, POLICY_NAMES, POLICY_RULES } from '../cache/cache-policies';
import { CacheStack } from '../cache/cache-stack';
import { LocalTier } from '../cache/tiers/local-tier';
import { ManualClock } from '../clock';
import { calendarLifetime } from './cache-lifetimes';
import { DEFAULT_VOLATILITY_TTL, realizedVolatilityPercent, volatilityTtlMs } from './volatility-ttl';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (iso: string) => Date.parse(iso);
// December 2026: New York is at UTC-5. Friday the 4th, Monday the 7th, Tuesday the 8th.
const FRIDAY_1605 = at('2026-12-04T21:05:00Z');
const MONDAY_OPEN = at('2026-12-07T14:30:00Z');
const MONDAY_CLOSE = at('2026-12-07T21:00:00Z');
const TUESDAY_1100 = at('2026-12-08T16:00:00Z');
const TUESDAY_CLOSE = at('2026-12-08T21:00:00Z');
const MARGIN = MINUTE;

function stackAt(clock: ManualClock): CacheStack {
  const local = new LocalTier({ maxEntries: 1000, maxBytes: 1 << 24, maxEntryBytes: 1 << 20 });
  const policies = buildPolicies(DEFAULT_POLICY_TTL_SECONDS, 50);
  return new CacheStack(local, undefined, policies, new CacheEvents(), () => clock.now(), undefined, undefined, calendarLifetime({ openMarginMs: MARGIN }));
}

describe('lifetimes that follow the exchange calendar', () => {
  const lifetime = calendarLifetime({ openMarginMs: MARGIN });

  it('names a rule for every policy', () => {
    expect(Object.keys(POLICY_RULES).sort()).toEqual([...POLICY_NAMES].sort());
    expect(POLICY_RULES).toMatchObject({ price: 'quote', history: 'dailyBar', indicators: 'derived', score: 'derived', scan: 'derived', info: 'fixed' });
  });

  it('keeps a quote read at 16:05 on a Friday until Monday open plus the margin', () => {
    expect(lifetime('quote', 5 * MINUTE, FRIDAY_1605)).toBe(MONDAY_OPEN + MARGIN - FRIDAY_1605);
  });

  it('keeps a quote read at 11:00 on a Tuesday for the policy TTL, and cuts one at the close', () => {
    expect(lifetime('quote', 5 * MINUTE, TUESDAY_1100)).toBe(5 * MINUTE);
    expect(lifetime('quote', 5 * MINUTE, TUESDAY_CLOSE - 2 * MINUTE)).toBe(2 * MINUTE);
  });

  it('keeps daily bars until the next close', () => {
    expect(lifetime('dailyBar', 24 * HOUR, FRIDAY_1605)).toBe(MONDAY_CLOSE - FRIDAY_1605);
    expect(lifetime('dailyBar', 24 * HOUR, TUESDAY_1100)).toBe(TUESDAY_CLOSE - TUESDAY_1100);
    // Across Christmas 2026 (Thursday 24th closes at 13:00, Friday is a holiday): until Monday's close.
    expect(lifetime('dailyBar', 24 * HOUR, at('2026-12-24T19:00:00Z'))).toBe(at('2026-12-28T21:00:00Z') - at('2026-12-24T19:00:00Z'));
  });

  it('gives derived values the TTL in a session and the night while closed; fixed stays fixed', () => {
    expect(lifetime('derived', 30 * MINUTE, TUESDAY_1100)).toBe(30 * MINUTE);
    expect(lifetime('derived', 30 * MINUTE, FRIDAY_1605)).toBe(MONDAY_OPEN + MARGIN - FRIDAY_1605);
    expect(lifetime('fixed', 4 * HOUR, FRIDAY_1605)).toBe(4 * HOUR);
  });

  it('caches a weekend quote once: not refetched until Monday open plus the margin', async () => {
    const clock = new ManualClock(FRIDAY_1605);
    const stack = stackAt(clock);
    let calls = 0;
    const quote = () => stack.getOrSet('price', 'v1:price:AAPL', () => ++calls);

    const first = await quote();
    expect(first.staleAt).toBe(MONDAY_OPEN + MARGIN);
    for (const iso of ['2026-12-05T03:00:00Z', '2026-12-05T18:00:00Z', '2026-12-06T23:00:00Z', '2026-12-07T14:30:59Z']) {
      clock.set(at(iso));
      expect((await quote()).source).toBe('l1');
    }
    expect(calls).toBe(1);
    clock.set(MONDAY_OPEN + MARGIN);
    await quote(); // stale: served while one refresh runs
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toBe(2);
    const refreshed = await quote();
    expect(refreshed).toMatchObject({ value: 2, source: 'l1', staleAt: MONDAY_OPEN + MARGIN + 5 * MINUTE });
  });

  it('lets a derived value inherit its inputs\' lifetime', async () => {
    const clock = new ManualClock(TUESDAY_1100);
    const stack = stackAt(clock);
    await stack.getOrSet('price', 'v1:price:AAPL', () => 100);
    clock.advance(4 * MINUTE);
    // Policy TTL 30 min, but the quote it read goes stale in 1 minute.
    const score = await stack.getOrSet('score', 'v1:score:AAPL:medium', async () => (await stack.getOrSet('price', 'v1:price:AAPL', () => 0)).value + 1);
    expect(score.staleAt).toBe(TUESDAY_1100 + 5 * MINUTE);

    clock.set(FRIDAY_1605 + 7 * 24 * HOUR); // the next Friday evening
    await stack.getOrSet('history', 'v1:history:AAPL:1d:1y', () => [1, 2, 3]);
    const night = await stack.getOrSet('indicators', 'v1:indicators:AAPL', async () => (await stack.getOrSet('history', 'v1:history:AAPL:1d:1y', () => [])).value.length);
    // Closed: until the next open (plus the margin), which comes before the history's next close.
    expect(night.staleAt).toBe(MONDAY_OPEN + 7 * 24 * HOUR + MARGIN);
  });

  it('gives a volatile symbol a shorter session lifetime than a calm one', () => {
    const path = (dailyMove: number) => Array.from({ length: 21 }, (_, i) => 100 * Math.exp((i % 2 === 0 ? 1 : -1) * dailyMove));
    const calm = realizedVolatilityPercent(path(0.002))!; // ~ 6 % annualized
    const volatile = realizedVolatilityPercent(path(0.03))!; // ~ 95 %
    const middle = 30;

    expect(calm).toBeLessThan(DEFAULT_VOLATILITY_TTL.lowPercent);
    expect(volatile).toBeGreaterThan(DEFAULT_VOLATILITY_TTL.highPercent);
    expect(volatilityTtlMs(calm)).toBe(8 * HOUR);
    expect(volatilityTtlMs(volatile)).toBe(HOUR);
    expect(volatilityTtlMs(middle)).toBeGreaterThan(HOUR);
    expect(volatilityTtlMs(middle)).toBeLessThan(8 * HOUR);
    expect(volatilityTtlMs(undefined)).toBe(HOUR);
    expect(volatilityTtlMs(35)).toBeLessThan(volatilityTtlMs(25));
  });
});
