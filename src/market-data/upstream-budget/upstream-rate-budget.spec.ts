import { UpstreamRateLimitedError } from '../../common/errors';
import { UpstreamBudgetExhaustedError } from './upstream-budget.errors';
import { gcraDecide, LocalGcra } from './gcra';
import { runWithUpstreamPriority, currentUpstreamPriority } from '../../common/upstream-priority';
import { UpstreamRateBudget } from './upstream-rate-budget';

const quiet = { warn: () => undefined, log: () => undefined };

/** The most calls in any window of `windowMs` (sliding, anchored at each call). */
function maxInWindow(times: readonly number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('GCRA', () => {
  it('lets the burst through at once, then one call per interval', () => {
    const gcra = new LocalGcra();
    const waits = Array.from({ length: 6 }, () => gcra.take(1000, 100, 200, 10_000).waitMs);
    expect(waits).toEqual([0, 0, 0, 100, 200, 300]);
  });

  it('refuses past the longest wait without spending, and says how long until a call conforms', () => {
    const gcra = new LocalGcra();
    gcra.take(0, 100, 0, 0);
    const refused = gcra.take(0, 100, 0, 50);
    expect(refused).toEqual({ granted: false, waitMs: 100, tat: 100 });
    expect(gcra.take(100, 100, 0, 0).granted).toBe(true);
  });

  it('no one-second window holds more than rate + burst calls, whatever the arrivals', () => {
    const interval = 50; // 20/s
    const burst = 5;
    let tat = 0;
    const starts: number[] = [];
    for (let now = 0; now < 10_000; now += 7) {
      for (let k = 0; k < 3; k++) {
        const d = gcraDecide(tat, now, interval, (burst - 1) * interval, 0);
        if (d.granted) {
          tat = d.tat;
          starts.push(now + d.waitMs);
        }
      }
    }
    expect(maxInWindow(starts)).toBeLessThanOrEqual(20 + burst);
    expect(starts.length).toBeGreaterThan(190);
  });
});

describe('priority', () => {
  it('is interactive by default and follows the async chain', async () => {
    expect(currentUpstreamPriority()).toBe('interactive');
    await runWithUpstreamPriority('background', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(currentUpstreamPriority()).toBe('background');
    });
  });
});

describe('UpstreamRateBudget without Redis', () => {
  it('paces calls at the rate after the burst', async () => {
    const budget = new UpstreamRateBudget({ provider: 'p', ratePerSecond: 50, burst: 3, maxWaitMs: 5000, logger: quiet });
    const started = Date.now();
    const times: number[] = [];
    await Promise.all(Array.from({ length: 13 }, () => budget.acquire('interactive').then(() => times.push(Date.now() - started))));
    times.sort((a, b) => a - b);
    expect(times[2]).toBeLessThan(40);
    // 10 paced calls after the burst at 20 ms each.
    expect(times[12]).toBeGreaterThanOrEqual(190);
    expect(budget.stats()).toMatchObject({ granted: 13, refused: 0, mode: 'local' });
  });

  it('refuses an interactive call that would wait past its deadline, with the wait as Retry-After', async () => {
    const budget = new UpstreamRateBudget({ provider: 'p', ratePerSecond: 1, burst: 1, maxWaitMs: 100, logger: quiet });
    await budget.acquire('interactive');
    const error = await budget.acquire('interactive').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamRateLimitedError);
    expect((error as UpstreamRateLimitedError).retryAfterMs).toBeGreaterThan(800);
    expect((error as UpstreamBudgetExhaustedError).retryAfterSeconds).toBe(1);
    expect(budget.stats().refused).toBe(1);
  });

  it('an interactive call never waits behind background ones; background waits', async () => {
    const budget = new UpstreamRateBudget({ provider: 'p', ratePerSecond: 20, burst: 1, maxWaitMs: 2000, backgroundMaxWaitMs: 5000, logger: quiet });
    const order: string[] = [];
    const background = Array.from({ length: 10 }, (_, i) => budget.acquire('background').then(() => order.push(`b${i}`)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(budget.stats().waiting.background).toBeGreaterThan(0);
    const started = Date.now();
    await budget.acquire('interactive');
    order.push('i');
    // One interval at most (a background call may hold the current slot), never ten.
    expect(Date.now() - started).toBeLessThan(200);
    await Promise.all(background);
    expect(order.indexOf('i')).toBeLessThan(4);
  });

  it('a vendor pause holds every class until it ends', async () => {
    const budget = new UpstreamRateBudget({ provider: 'p', ratePerSecond: 100, burst: 10, maxWaitMs: 50, logger: quiet });
    await budget.pause(1000);
    expect(budget.stats().pausedUntil).toBeGreaterThan(Date.now());
    await expect(budget.acquire('interactive')).rejects.toBeInstanceOf(UpstreamRateLimitedError);
  });
});
