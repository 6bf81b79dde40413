import { Injectable } from '@nestjs/common';
import { CacheAdminService, CacheService, type CacheStatsSnapshot, type HotKey } from '../cache';
import { LimitedMarketDataProvider } from '../market-data/providers/limited.provider';
import { CacheWarmerService } from '../warmup/cache-warmer.service';
import type { WarmupProgress } from '../warmup/warmup-run';
import { HISTORY_WINDOW_MS, StatsHistory } from './stats-history';
import { hitsOf, lookupCounts, lookupsOf, type LookupCounts, type SeriesPoint } from './stats-series';

/** How many of the most requested keys the page lists. */
export const DASHBOARD_TOP_KEYS = 15;

export interface PolicyNow extends LookupCounts {
  lookups: number;
  hitRate: number | null;
}

/** Everything the dashboard page shows, in one poll. Counters are since this replica started. */
export interface DashboardData {
  generatedAt: string;
  sampleIntervalMs: number;
  windowMs: number;
  backend: CacheStatsSnapshot['backend'];
  breaker: CacheStatsSnapshot['breaker'];
  totals: PolicyNow;
  policies: Record<string, PolicyNow>;
  l1: CacheStatsSnapshot['l1'];
  l2: CacheStatsSnapshot['l2'];
  upstream: { provider: string; calls: number; failures: number; inFlight: number; queued: number };
  /** The running warmup, else the last one; null when none ran yet. */
  warmup: WarmupProgress | null;
  topKeys: HotKey[];
  series: SeriesPoint[];
}

function policyNow(counts: LookupCounts): PolicyNow {
  const lookups = lookupsOf(counts);
  return { ...counts, lookups, hitRate: lookups === 0 ? null : hitsOf(counts) / lookups };
}

/** Reads what the dashboard shows from the cache, the upstream limiter, the warmer and the sample history. */
@Injectable()
export class DashboardService {
  constructor(
    private readonly cache: CacheService,
    private readonly cacheAdmin: CacheAdminService,
    private readonly upstream: LimitedMarketDataProvider,
    private readonly warmer: CacheWarmerService,
    private readonly history: StatsHistory,
  ) {}

  data(): DashboardData {
    const stats = this.cache.stats();
    const upstream = this.upstream.stats();
    const policies: Record<string, PolicyNow> = {};
    for (const name of Object.keys(stats.policies).sort()) policies[name] = policyNow(lookupCounts(stats.policies[name]));
    return {
      generatedAt: new Date().toISOString(),
      sampleIntervalMs: this.history.intervalMs,
      windowMs: HISTORY_WINDOW_MS,
      backend: stats.backend,
      breaker: stats.breaker,
      totals: policyNow(lookupCounts(stats.totals)),
      policies,
      l1: stats.l1,
      l2: stats.l2,
      upstream: { provider: this.upstream.name, calls: upstream.calls, failures: upstream.failures, inFlight: upstream.inFlight, queued: upstream.queued },
      warmup: this.warmer.running?.snapshot() ?? this.warmer.history()[0] ?? null,
      topKeys: this.cacheAdmin.topKeys(DASHBOARD_TOP_KEYS),
      series: this.history.series(),
    };
  }
}
