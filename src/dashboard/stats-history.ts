import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CacheService } from '../cache';
import type { AllConfig } from '../config/configuration';
import { LimitedMarketDataProvider } from '../market-data/providers/limited.provider';
import { LatencyWindow } from './latency-window';
import { RingBuffer } from './ring-buffer';
import { lookupCounts, toSeries, type LookupCounts, type SeriesPoint, type StatsSample } from './stats-series';

/** How far back the dashboard's charts reach. */
export const HISTORY_WINDOW_MS = 15 * 60_000;

/**
 * The dashboard's memory of the last minutes: a sample of the cache and upstream counters every
 * `DASHBOARD_SAMPLE_INTERVAL_MS`, in a ring buffer covering `HISTORY_WINDOW_MS`. In process and
 * per replica, like the counters it reads; Prometheus keeps the long history.
 */
@Injectable()
export class StatsHistory implements OnModuleInit, OnModuleDestroy {
  readonly intervalMs: number;
  private readonly samples: RingBuffer<StatsSample>;
  private readonly l2Latency = new LatencyWindow();
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  constructor(
    private readonly cache: CacheService,
    private readonly upstream: LimitedMarketDataProvider,
    config: ConfigService<AllConfig, true>,
  ) {
    this.intervalMs = config.get('app', { infer: true }).dashboardSampleIntervalMs;
    // + 1: n samples make n - 1 intervals, and the window should hold whole intervals.
    this.samples = new RingBuffer(Math.ceil(HISTORY_WINDOW_MS / this.intervalMs) + 1);
  }

  onModuleInit(): void {
    this.unsubscribe = this.cache.events.on('l2Latency', ({ durationMs }) => this.l2Latency.observe(durationMs));
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
  }

  /** Rates per interval over the window, oldest first. */
  series(): SeriesPoint[] {
    return toSeries(this.samples.toArray());
  }

  /** Takes a sample now (the timer calls this; tests may too). */
  sample(): StatsSample {
    const stats = this.cache.stats();
    const upstream = this.upstream.stats();
    const policies: Record<string, LookupCounts> = {};
    for (const [name, counts] of Object.entries(stats.policies)) policies[name] = lookupCounts(counts);
    const sample: StatsSample = {
      at: Date.now(),
      backend: stats.backend,
      breaker: stats.breaker,
      totals: lookupCounts(stats.totals),
      policies,
      l1: { entries: stats.l1.entries, bytes: stats.l1.bytes },
      l2Latency: this.l2Latency.drain(),
      l2Failures: stats.l2.errors + stats.l2.timeouts + stats.l2.circuitOpenRejections + stats.l2.corruptEntries,
      upstream: { calls: upstream.calls, failures: upstream.failures },
    };
    this.samples.push(sample);
    return sample;
  }
}
