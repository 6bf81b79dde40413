import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { LimitedMarketDataProvider, type MethodStats, type ProviderMethod } from '../market-data/providers/limited.provider';
import { UpstreamRateBudget } from '../market-data/upstream-budget/upstream-rate-budget';
import { MetricsRegistry } from './metrics-registry';

/**
 * Upstream (market data provider) series, read from `LimitedMarketDataProvider.stats()` on each
 * scrape: the provider keeps the counts, so nothing here sits on the call path.
 */
@Injectable()
export class UpstreamMetrics {
  constructor(provider: LimitedMarketDataProvider, metrics: MetricsRegistry, @Optional() @Inject(UpstreamRateBudget) budget?: UpstreamRateBudget | null) {
    const name = provider.name;
    // Counters mirror the provider's monotonic totals: reset-then-set inside collect is atomic for a scrape.
    const mirror = (field: 'calls' | 'failures') =>
      function (this: Counter<'provider' | 'method'>) {
        this.reset();
        for (const [method, counts] of Object.entries(provider.stats().byMethod) as [ProviderMethod, MethodStats][]) {
          this.inc({ provider: name, method }, counts[field]);
        }
      };
    metrics.counter({
      name: 'upstream_calls_total',
      help: 'Market data provider calls (started or queued) by provider and method.',
      labelNames: ['provider', 'method'],
      collect: mirror('calls'),
    });
    metrics.counter({
      name: 'upstream_failures_total',
      help: 'Provider calls that failed (an unknown symbol is an answer, not a failure), by provider and method.',
      labelNames: ['provider', 'method'],
      collect: mirror('failures'),
    });
    metrics.gauge({
      name: 'upstream_in_flight',
      help: 'Provider calls running upstream now.',
      labelNames: ['provider'],
      collect() {
        this.set({ provider: name }, provider.stats().inFlight);
      },
    });
    metrics.gauge({
      name: 'upstream_queued',
      help: 'Provider calls waiting for a concurrency slot.',
      labelNames: ['provider'],
      collect() {
        this.set({ provider: name }, provider.stats().queued);
      },
    });
    if (budget) rateBudgetSeries(name, budget, metrics);
  }
}

/** The cluster-wide rate budget's series (only when UPSTREAM_RATE_PER_SECOND is set). */
function rateBudgetSeries(name: string, budget: UpstreamRateBudget, metrics: MetricsRegistry): void {
  metrics.counter({
    name: 'upstream_budget_granted_total',
    help: 'Provider calls this replica let through the upstream rate budget.',
    labelNames: ['provider'],
    collect() {
      this.reset();
      this.inc({ provider: name }, budget.stats().granted);
    },
  });
  metrics.counter({
    name: 'upstream_budget_refused_total',
    help: 'Provider calls refused after waiting as long as their class may (a stale answer or a 503 for interactive ones).',
    labelNames: ['provider'],
    collect() {
      this.reset();
      this.inc({ provider: name }, budget.stats().refused);
    },
  });
  metrics.gauge({
    name: 'upstream_budget_waiting',
    help: 'Provider calls waiting for upstream rate budget now, by priority class.',
    labelNames: ['provider', 'priority'],
    collect() {
      for (const [priority, count] of Object.entries(budget.stats().waiting)) this.set({ provider: name, priority }, count);
    },
  });
  metrics.gauge({
    name: 'upstream_budget_shared',
    help: '1 while the budget is shared through Redis, 0 while this replica paces itself at budget ÷ replicas.',
    labelNames: ['provider'],
    collect() {
      this.set({ provider: name }, budget.stats().mode === 'redis' ? 1 : 0);
    },
  });
  metrics.gauge({
    name: 'upstream_budget_replicas',
    help: 'Replicas counted by the budget heartbeats (the local share is the budget divided by this).',
    labelNames: ['provider'],
    collect() {
      this.set({ provider: name }, budget.stats().replicasSeen);
    },
  });
  metrics.gauge({
    name: 'upstream_paused_seconds',
    help: 'Seconds left of the pause a vendor asked for (429 with Retry-After), for every replica; 0 when not paused.',
    labelNames: ['provider'],
    collect() {
      const until = budget.stats().pausedUntil;
      this.set({ provider: name }, until === undefined ? 0 : Math.max(0, (until - Date.now()) / 1000));
    },
  });
}
