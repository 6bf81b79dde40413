import { toSeries, type LookupCounts, type StatsSample } from './stats-series';

const counts = (hitsL1: number, hitsL2: number, stale: number, misses: number): LookupCounts => ({ hitsL1, hitsL2, stale, misses });

function sample(at: number, totals: LookupCounts, policies: Record<string, LookupCounts>, extra: Partial<StatsSample> = {}): StatsSample {
  return { at, backend: 'redis', breaker: 'closed', totals, policies, l1: { entries: 1, bytes: 10 }, l2Latency: null, l2Failures: 0, upstream: { calls: 0, failures: 0 }, ...extra };
}

describe(toSeries.name, () => {
  it('turns cumulative counters into per-interval shares per tier and hit rates per policy', () => {
    const sut = toSeries([
      sample(0, counts(0, 0, 0, 0), {}),
      sample(5000, counts(6, 2, 0, 2), { price: counts(6, 2, 0, 0), score: counts(0, 0, 0, 2) }, { upstream: { calls: 4, failures: 1 }, l2Failures: 3 }),
      sample(10_000, counts(6, 2, 0, 2), { price: counts(6, 2, 0, 0), score: counts(0, 0, 0, 2) }, { upstream: { calls: 4, failures: 1 }, l2Failures: 3 }),
      sample(15_000, counts(7, 2, 1, 4), { price: counts(7, 2, 1, 0), score: counts(0, 0, 0, 4) }, { upstream: { calls: 9, failures: 1 }, l2Failures: 3 }),
    ]);

    expect(sut).toHaveLength(3);
    expect(sut[0]).toMatchObject({ at: 5000, lookups: 10, hitRate: 0.8, tiers: { l1: 0.6, l2: 0.2, stale: 0 }, policies: { price: 1, score: 0 }, upstreamCalls: 4, upstreamFailures: 1, l2Failures: 3 });
    // A quiet interval has no rate at all, rather than a 0 % that would look like a collapse.
    expect(sut[1]).toMatchObject({ lookups: 0, hitRate: null, tiers: { l1: null, l2: null, stale: null }, policies: { price: null, score: null }, upstreamCalls: 0 });
    expect(sut[2]).toMatchObject({ lookups: 4, hitRate: 0.5, tiers: { l1: 0.25, l2: 0, stale: 0.25 }, policies: { price: 1, score: 0 }, upstreamCalls: 5, l2Failures: 0 });
  });

  it('gives no point for fewer than two samples', () => {
    expect(toSeries([])).toEqual([]);
    expect(toSeries([sample(0, counts(1, 0, 0, 0), {})])).toEqual([]);
  });
});
