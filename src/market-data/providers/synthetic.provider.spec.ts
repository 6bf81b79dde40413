import { SymbolNotFoundError } from '../../common/errors';
import type { Bar, HistoryPeriod } from '../market-data.types';
import { SyntheticMarketDataProvider } from './synthetic.provider';

// A Wednesday, mid-session in New York (10:30): the last final bar is Tuesday's.
const NOW = new Date('2026-03-11T15:30:00Z');

function createSut(options: { seed?: number; universeSize?: number; now?: () => Date } = {}): SyntheticMarketDataProvider {
  return new SyntheticMarketDataProvider({
    seed: options.seed ?? 42,
    universeSize: options.universeSize ?? 5000,
    clock: options.now ?? (() => NOW),
  });
}

const mean = (xs: readonly number[]): number => xs.reduce((sum, x) => sum + x, 0) / xs.length;
const std = (xs: readonly number[]): number => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

function correlation(a: readonly number[], b: readonly number[]): number {
  const ma = mean(a);
  const mb = mean(b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

const logReturns = (bars: readonly Bar[]): number[] => bars.slice(1).map((bar, i) => Math.log(bar.close / bars[i].close));

describe(SyntheticMarketDataProvider.name, () => {
  const sut = createSut();
  const returnsOf = async (symbol: string, period: HistoryPeriod = '5y'): Promise<number[]> =>
    logReturns(await sut.getHistory(symbol, { interval: '1d', period }));

  it('is deterministic for a seed and differs across seeds', async () => {
    const query = { interval: '1d', period: 'max' } as const;
    const bars = await sut.getHistory('MSFT', query);

    expect(await createSut().getHistory('MSFT', query)).toEqual(bars);
    expect((await createSut({ seed: 7 }).getHistory('MSFT', query)).map((b) => b.close)).not.toEqual(bars.map((b) => b.close));
  });

  it('carries the real S&P 500 constituents with their GICS data', async () => {
    const apple = await sut.getInfo('AAPL');

    expect(apple).toMatchObject({ symbol: 'AAPL', name: 'Apple Inc.', sector: 'Information Technology', currency: 'USD' });
    expect(apple.marketCap).toBeGreaterThan(0);
    expect(await sut.listSymbols('sp500')).toHaveLength(503);
  });

  it('builds a universe of unique symbols, generated ones 3-5 letters', async () => {
    const all = await sut.listSymbols('all');
    const sp500 = new Set((await sut.listSymbols('sp500')).map((s) => s.symbol));
    const generated = all.filter((s) => !sp500.has(s.symbol));

    expect(all.length).toBeGreaterThanOrEqual(5000);
    expect(new Set(all.map((s) => s.symbol)).size).toBe(all.length);
    expect(generated.every((s) => /^[A-Z]{3,5}$/.test(s.symbol) && s.name.length > 0 && (s.marketCap ?? 0) > 0)).toBe(true);
  });

  it('lists a sector by its kebab-case name and nothing for an unknown market', async () => {
    const tech = await sut.listSymbols('information-technology');

    expect(tech.length).toBeGreaterThan(73);
    expect(tech.every((s) => s.sector === 'Information Technology')).toBe(true);
    expect(await sut.listSymbols('nasdaq-100')).toEqual([]);
  });

  it('keeps every bar consistent: low <= open, close <= high, volume > 0, trading days ascending', async () => {
    const sample = (await sut.listSymbols('all')).filter((_, i) => i % 80 === 0);

    for (const { symbol } of sample) {
      const bars = await sut.getHistory(symbol, { interval: '1d', period: 'max' });
      const bad = bars.filter(
        (b, i) =>
          b.low === null || b.high === null || b.open === null ||
          !(b.low > 0 && b.low <= Math.min(b.open, b.close) && Math.max(b.open, b.close) <= b.high) ||
          !(b.volume > 0 && Number.isInteger(b.volume)) ||
          (i > 0 && bars[i - 1].date >= b.date),
      );
      expect({ symbol, bad }).toEqual({ symbol, bad: [] });
      expect(bars.at(-1)?.date).toBe('2026-03-10');
    }
    const dates = (await sut.getHistory(sample[0].symbol, { interval: '1d', period: 'max' })).map((b) => b.date);
    expect(dates.filter((d) => [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()))).toEqual([]);
    // The exchange's holidays have no bars (the weekday-only calendar of before had these three).
    expect(dates.filter((d) => ['2016-01-01', '2016-07-04', '2016-12-26', '2025-12-25', '2026-01-19'].includes(d))).toEqual([]);
    expect(dates).toContain('2016-12-27');
  });

  it("adds the day's bar at the close, and none on a holiday", async () => {
    const at = (iso: string) => createSut({ now: () => new Date(iso) }).getHistory('AAPL', { interval: '1d', period: '1mo' });

    expect((await at('2026-03-11T19:59:00Z')).at(-1)?.date).toBe('2026-03-10'); // 15:59 New York
    expect((await at('2026-03-11T20:00:00Z')).at(-1)?.date).toBe('2026-03-11'); // 16:00
    expect((await at('2026-11-27T18:00:00Z')).at(-1)?.date).toBe('2026-11-27'); // 13:00, an early close
    expect((await at('2026-12-25T18:00:00Z')).at(-1)?.date).toBe('2026-12-24'); // Christmas
  });

  it('ends on the Friday when the clock is on a weekend', async () => {
    const weekend = createSut({ now: () => new Date('2026-03-15T12:00:00Z') });

    expect((await weekend.getHistory('AAPL', { interval: '1d', period: '1mo' })).at(-1)?.date).toBe('2026-03-13');
  });

  it.each([
    ['1mo', 21],
    ['3mo', 63],
    ['6mo', 126],
    ['1y', 252],
    ['2y', 504],
    ['5y', 1260],
  ] as const)('returns %s as %i daily bars ending on the latest bar', async (period, count) => {
    const bars = await sut.getHistory('JPM', { interval: '1d', period });
    const all = await sut.getHistory('JPM', { interval: '1d', period: 'max' });

    expect(bars).toEqual(all.slice(-count));
    expect(all.length).toBeGreaterThan(10 * 252);
  });

  it('aggregates weekly bars from the daily bars of the same period', async () => {
    const daily = await sut.getHistory('XOM', { interval: '1d', period: '1y' });
    const weekly = await sut.getHistory('XOM', { interval: '1wk', period: '1y' });
    const mondayOf = (date: string): number => {
      const d = new Date(`${date}T00:00:00Z`);
      return d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000;
    };
    const groups = new Map<number, Bar[]>();
    daily.forEach((bar) => groups.set(mondayOf(bar.date), [...(groups.get(mondayOf(bar.date)) ?? []), bar]));
    const expected = [...groups.values()].map((days) => ({
      date: days[0].date,
      open: days[0].open,
      high: Math.max(...days.map((d) => d.high ?? -Infinity)),
      low: Math.min(...days.map((d) => d.low ?? Infinity)),
      close: days[days.length - 1].close,
      volume: days.reduce((sum, d) => sum + d.volume, 0),
    }));

    expect(weekly).toEqual(expected);
    expect(weekly.length).toBeGreaterThanOrEqual(51);
  });

  it('rejects an unknown symbol with SymbolNotFoundError', async () => {
    await expect(sut.getQuote('NOPE1')).rejects.toBeInstanceOf(SymbolNotFoundError);
    await expect(sut.getHistory('NOPE1', { interval: '1d', period: '1mo' })).rejects.toBeInstanceOf(SymbolNotFoundError);
    await expect(sut.getInfo('NOPE1')).rejects.toBeInstanceOf(SymbolNotFoundError);
  });

  it('matches symbols case-insensitively and accepts the dash share-class form', async () => {
    expect((await sut.getInfo('brk-b')).symbol).toBe('BRK.B');
    expect((await sut.getQuote(' aapl ')).symbol).toBe('AAPL');
  });

  it('moves the quote intraday, reproducibly for the same minute', async () => {
    let now = new Date('2026-03-11T15:30:10Z');
    const ticking = createSut({ now: () => now });
    const first = await ticking.getQuote('AAPL');
    now = new Date('2026-03-11T15:30:50Z');
    const sameMinute = await ticking.getQuote('AAPL');
    now = new Date('2026-03-11T16:30:00Z');
    const later = await ticking.getQuote('AAPL');
    const bars = await sut.getHistory('AAPL', { interval: '1d', period: '1mo' });

    expect(sameMinute).toEqual(first);
    expect(later.price).not.toBe(first.price);
    // Mid-session the last final bar is yesterday's: its close is the previous close.
    expect(first.previousClose).toBe(bars[bars.length - 1].close);
    expect(first.change).toBeCloseTo(first.price - first.previousClose, 4);
    expect(first.changePercent).toBeCloseTo((first.change / first.previousClose) * 100, 2);
    expect(first).toMatchObject({ asOf: '2026-03-11T15:30:00.000Z', currency: 'USD' });
    expect(Math.abs(first.price / bars[bars.length - 1].close - 1)).toBeLessThan(0.1);
  });

  it('stands still outside the session, at the last close, dated at that close', async () => {
    let now = new Date('2026-03-13T20:00:00Z'); // Friday 16:00 New York
    const ticking = createSut({ now: () => now });
    const atClose = await ticking.getQuote('AAPL');
    now = new Date('2026-03-14T17:00:00Z'); // Saturday
    const saturday = await ticking.getQuote('AAPL');
    now = new Date('2026-03-16T13:29:00Z'); // Monday 09:29
    const beforeOpen = await ticking.getQuote('AAPL');
    now = new Date('2026-03-16T13:45:00Z'); // Monday 09:45
    const monday = await ticking.getQuote('AAPL');
    const bars = await ticking.getHistory('AAPL', { interval: '1d', period: '1mo' });
    const friday = bars.find((b) => b.date === '2026-03-13')!;

    expect(saturday).toEqual(atClose);
    expect(beforeOpen).toEqual(atClose);
    expect(atClose).toMatchObject({ price: friday.close, asOf: '2026-03-13T20:00:00.000Z', volume: friday.volume });
    expect(monday.price).not.toBe(atClose.price);
    expect(monday.previousClose).toBe(friday.close);
  });

  it("walks from the day's open to its close during the session", async () => {
    const at = (iso: string) => createSut({ now: () => new Date(iso) }).getQuote('MSFT');
    const bars = await createSut({ now: () => new Date('2026-03-11T21:00:00Z') }).getHistory('MSFT', { interval: '1d', period: '1mo' });
    const today = bars.at(-1)!;

    expect(today.date).toBe('2026-03-11');
    expect((await at('2026-03-11T13:30:00Z')).price).toBe(today.open); // 09:30
    expect((await at('2026-03-11T19:59:59Z')).price).not.toBe(today.close);
    expect((await at('2026-03-11T20:00:00Z')).price).toBe(today.close); // 16:00
  });

  describe('realism', () => {
    const spread = async (count: number, step: number): Promise<string[]> =>
      (await sut.listSymbols('all')).filter((_, i) => i % step === 0).slice(0, count).map((s) => s.symbol);

    it('has daily return volatility between 0.5% and 5%', async () => {
      const stds = await Promise.all((await spread(20, 250)).map(async (symbol) => ({ symbol, std: std(await returnsOf(symbol)) })));

      expect(stds.filter(({ std }) => !(std > 0.005 && std < 0.05))).toEqual([]);
    });

    it('correlates stocks positively through the market factor', async () => {
      const returns = await Promise.all((await spread(20, 211)).map((s) => returnsOf(s)));
      const pairs = returns.flatMap((a, i) => returns.slice(i + 1).map((b) => correlation(a, b)));

      expect(mean(pairs)).toBeGreaterThan(0.1);
    });

    it('correlates stocks of one sector more than stocks of different sectors', async () => {
      const sectors = ['energy', 'utilities', 'information-technology', 'financials'];
      const members = await Promise.all(sectors.map(async (s) => (await sut.listSymbols(s)).slice(0, 4)));
      const returns = await Promise.all(members.map((list) => Promise.all(list.map((s) => returnsOf(s.symbol)))));
      const same = returns.flatMap((group) => group.flatMap((a, i) => group.slice(i + 1).map((b) => correlation(a, b))));
      const cross = returns.flatMap((group, g) =>
        returns.slice(g + 1).flatMap((other) => group.map((a, i) => correlation(a, other[i]))),
      );

      expect(mean(same)).toBeGreaterThan(mean(cross) + 0.05);
    });

    it('clusters volatility: |r| is autocorrelated at lag 1', async () => {
      const lagOne = await Promise.all(
        (await spread(10, 400)).map(async (symbol) => {
          const abs = (await returnsOf(symbol, 'max')).map(Math.abs);
          return correlation(abs.slice(1), abs.slice(0, -1));
        }),
      );

      expect(mean(lagOne)).toBeGreaterThan(0.05);
    });
  });
});
