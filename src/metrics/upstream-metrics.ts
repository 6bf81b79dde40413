import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { LimitedMarketDataProvider, type MethodStats, type ProviderMethod } from '../market-data/providers/limited.provider';
import { MetricsRegistry } from './metrics-registry';

/**
 * Upstream (market data provider) series, read from `LimitedMarketDataProvider.stats()` on each
 * scrape: the provider keeps the counts, so nothing here sits on the call path.
 */
@Injectable()
export class UpstreamMetrics {
  constructor(provider: LimitedMarketDataProvider, metrics: MetricsRegistry) {
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
  }
}
