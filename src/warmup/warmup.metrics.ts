import { Injectable, Optional } from '@nestjs/common';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { CacheWarmerService } from './cache-warmer.service';

/**
 * Warmup series on the app's registry (when the metrics module is there): the running run's
 * progress, read at scrape time, and finished runs by trigger and status. No symbol labels.
 */
@Injectable()
export class WarmupMetrics {
  constructor(warmer: CacheWarmerService, @Optional() metrics?: MetricsRegistry) {
    if (!metrics) return;
    metrics.gauge({
      name: 'warmup_running',
      help: 'Whether a cache warmup is running on this replica (1) or not (0)',
      collect() {
        this.set(warmer.running ? 1 : 0);
      },
    });
    metrics.gauge<'state'>({
      name: 'warmup_tasks',
      help: 'Tasks (symbol x policy) of the running warmup, by state: total, done, failed',
      labelNames: ['state'],
      collect() {
        this.reset();
        const progress = warmer.running?.snapshot();
        if (!progress) return;
        this.set({ state: 'total' }, progress.total);
        this.set({ state: 'done' }, progress.done);
        this.set({ state: 'failed' }, progress.failed);
      },
    });
    const runs = metrics.counter<'trigger' | 'status'>({
      name: 'warmup_runs_total',
      help: 'Finished cache warmups by trigger (boot, cron, api) and status',
      labelNames: ['trigger', 'status'],
    });
    const failures = metrics.counter({ name: 'warmup_task_failures_total', help: 'Failed warmup tasks (symbol x policy)' });
    warmer.onRunFinished((run) => {
      runs.inc({ trigger: run.trigger, status: run.status });
      failures.inc(run.failed);
    });
  }
}
