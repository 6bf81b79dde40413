import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { LimitedMarketDataProvider, type LimitedProviderStats } from './providers/limited.provider';
import { UpstreamRateBudget } from './upstream-budget/upstream-rate-budget';

// Failing calls since the previous check, as a share of calls, above which the upstream is "degraded".
const DEGRADED_FAILURE_SHARE = 0.5;

/**
 * The upstream provider as `/health` reports it: name, call counters, queue, and a status judged
 * on the calls since the previous check (lifetime counters would remember an outage forever).
 * Always `up`: cached values keep answering while the upstream fails.
 */
@Injectable()
export class MarketDataHealthIndicator {
  private previous?: Pick<LimitedProviderStats, 'calls' | 'failures'>;

  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly provider: LimitedMarketDataProvider,
    @Optional() @Inject(UpstreamRateBudget) private readonly budget?: UpstreamRateBudget | null,
  ) {}

  check(key: string): HealthIndicatorResult {
    const stats = this.provider.stats();
    const recent = {
      calls: stats.calls - (this.previous?.calls ?? 0),
      failures: stats.failures - (this.previous?.failures ?? 0),
    };
    this.previous = { calls: stats.calls, failures: stats.failures };
    const degraded = recent.failures > 0 && recent.failures / Math.max(1, recent.calls) >= DEGRADED_FAILURE_SHARE;
    return this.indicator.check(key).up({
      provider: this.provider.name,
      upstream: degraded ? 'degraded' : 'ok',
      degraded,
      sinceLastCheck: recent,
      stats,
      // The cluster-wide rate budget, when configured: shared or local, replicas, waits, and a vendor pause (429 + Retry-After).
      ...(this.budget ? { rateBudget: budgetView(this.budget) } : {}),
    });
  }
}

function budgetView(budget: UpstreamRateBudget): Record<string, unknown> {
  const { pausedUntil, ...stats } = budget.stats();
  return { ...stats, paused: pausedUntil !== undefined, ...(pausedUntil ? { pausedUntil: new Date(pausedUntil).toISOString() } : {}) };
}
