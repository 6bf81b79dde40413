import type { CacheStatsSnapshot, PolicyStats } from '../cache';

/** Lookups of one policy (or all) by outcome; cumulative since the process started. */
export interface LookupCounts {
  hitsL1: number;
  hitsL2: number;
  stale: number;
  misses: number;
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** One reading of the cache and upstream counters, taken every sample interval. */
export interface StatsSample {
  at: number;
  backend: CacheStatsSnapshot['backend'];
  breaker: CacheStatsSnapshot['breaker'];
  totals: LookupCounts;
  policies: Record<string, LookupCounts>;
  l1: { entries: number; bytes: number };
  /** L2 calls that completed since the previous sample; null when there were none. */
  l2Latency: LatencySummary | null;
  /** Cumulative L2 failures of every kind. */
  l2Failures: number;
  upstream: { calls: number; failures: number };
}

/** What happened between two samples: rates are null when there were no lookups to rate. */
export interface SeriesPoint {
  at: number;
  lookups: number;
  hitRate: number | null;
  /** Share of lookups answered by each tier (stale: past TTL, within grace). */
  tiers: { l1: number | null; l2: number | null; stale: number | null };
  policies: Record<string, number | null>;
  l2Latency: LatencySummary | null;
  l2Failures: number;
  upstreamCalls: number;
  upstreamFailures: number;
  l1: { entries: number; bytes: number };
  breaker: CacheStatsSnapshot['breaker'];
  backend: CacheStatsSnapshot['backend'];
}

export const lookupsOf = (c: LookupCounts): number => c.hitsL1 + c.hitsL2 + c.stale + c.misses;
export const hitsOf = (c: LookupCounts): number => c.hitsL1 + c.hitsL2 + c.stale;

export function lookupCounts(stats: PolicyStats): LookupCounts {
  return { hitsL1: stats.hitsL1, hitsL2: stats.hitsL2, stale: stats.stale, misses: stats.misses };
}

const ZERO: LookupCounts = { hitsL1: 0, hitsL2: 0, stale: 0, misses: 0 };
// Counters only grow within a process; the clamp guards a policy first seen between two samples.
const delta = (now: number, before: number) => Math.max(0, now - before);
const share = (part: number, whole: number) => (whole === 0 ? null : part / whole);

function deltaCounts(now: LookupCounts, before: LookupCounts = ZERO): LookupCounts {
  return {
    hitsL1: delta(now.hitsL1, before.hitsL1),
    hitsL2: delta(now.hitsL2, before.hitsL2),
    stale: delta(now.stale, before.stale),
    misses: delta(now.misses, before.misses),
  };
}

/** One point per pair of consecutive samples (so n samples give n - 1 points), oldest first. */
export function toSeries(samples: readonly StatsSample[]): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  for (let i = 1; i < samples.length; i++) {
    const [before, now] = [samples[i - 1], samples[i]];
    const totals = deltaCounts(now.totals, before.totals);
    const lookups = lookupsOf(totals);
    const policies: Record<string, number | null> = {};
    for (const [name, counts] of Object.entries(now.policies)) {
      const d = deltaCounts(counts, before.policies[name]);
      policies[name] = share(hitsOf(d), lookupsOf(d));
    }
    points.push({
      at: now.at,
      lookups,
      hitRate: share(hitsOf(totals), lookups),
      tiers: { l1: share(totals.hitsL1, lookups), l2: share(totals.hitsL2, lookups), stale: share(totals.stale, lookups) },
      policies,
      l2Latency: now.l2Latency,
      l2Failures: delta(now.l2Failures, before.l2Failures),
      upstreamCalls: delta(now.upstream.calls, before.upstream.calls),
      upstreamFailures: delta(now.upstream.failures, before.upstream.failures),
      l1: now.l1,
      breaker: now.breaker,
      backend: now.backend,
    });
  }
  return points;
}
