import { replay } from '../../bench/calendar-replay';

// A small slice of `npm run bench:calendar`: Friday 00:00 to Sunday 24:00 New York (4 December 2026),
// 3 symbols every 30 minutes and a scan of the utilities sector every hour, with fixed TTLs and with the calendar.
describe('calendar replay (a simulated Friday and weekend through the real app)', () => {
  jest.setTimeout(180_000);

  it('calls upstream far less, never over the weekend, and answers every session request within its policy', async () => {
    const base = { from: '2026-12-04', days: 3, symbols: 3, scanSize: 10, scanUniverse: 'utilities', stepMinutes: 30 };
    const fixed = await replay({ ...base, mode: 'fixed' });
    const calendar = await replay({ ...base, mode: 'calendar' });

    expect(fixed.sessionAnswersChecked).toBeGreaterThan(0);
    expect(fixed.violations).toEqual([]);
    expect(calendar.violations).toEqual([]);
    expect(calendar.sessionAnswersChecked).toBe(fixed.sessionAnswersChecked);
    // Nothing trades on Saturday and Sunday: with the calendar, no quote or bar is fetched again.
    expect(fixed.upstream.byPeriod.weekend).toBeGreaterThan(0);
    expect(calendar.upstream.byPolicyPeriod.price.weekend).toBe(0);
    expect(calendar.upstream.byPolicyPeriod.history.weekend).toBe(0);
    // Friday's session keeps the policy TTL (5 min, under the 30-min step): a fetch per step as with fixed TTLs,
    // except at 09:30, answered by Thursday's closing quote (fresh until the open plus the 60 s margin).
    expect(calendar.upstream.byPolicyPeriod.price.session).toBe(fixed.upstream.byPolicyPeriod.price.session - base.symbols);
    expect(calendar.upstream.total).toBeLessThan(fixed.upstream.total * 0.3);
  });
});
