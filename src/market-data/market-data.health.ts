import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { LimitedMarketDataProvider, type LimitedProviderStats } from './providers/limited.provider';

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
    });
  }
}
