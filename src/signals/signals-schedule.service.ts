import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { runWithUpstreamPriority } from '../common/upstream-priority';
import type { SignalsConfig } from '../config/signals.config';
import { Scheduler } from '../warmup/scheduler';
import type { RedisLease } from '../warmup/warmup-lease';
import { SIGNALS_CONFIG, SIGNALS_LEASE, SIGNALS_REFRESH_JOB } from './signals.constants';
import { SignalsService } from './signals.service';

/**
 * Recomputes the signals every `SIGNALS_REFRESH_INTERVAL_MS` on one replica: the one that takes
 * the lease. The lease is not released but left to expire just before the next tick, so the other
 * replicas' ticks in the same interval skip. Without Redis each replica computes its own.
 */
@Injectable()
export class SignalsSchedule implements OnApplicationBootstrap {
  private readonly logger = new Logger(SignalsSchedule.name);

  constructor(
    @Inject(SIGNALS_CONFIG) private readonly config: SignalsConfig,
    private readonly signals: SignalsService,
    private readonly scheduler: Scheduler,
    @Inject(SIGNALS_LEASE) private readonly lease: RedisLease,
  ) {}

  onApplicationBootstrap(): void {
    const { refreshIntervalMs } = this.config;
    if (refreshIntervalMs > 0) this.scheduler.every(SIGNALS_REFRESH_JOB, refreshIntervalMs, () => this.tick());
  }

  /** One tick; true when this replica computed. */
  async tick(): Promise<boolean> {
    const lease = await this.lease.acquire(Math.max(1, Math.floor(this.config.refreshIntervalMs * 0.9)));
    if (lease.state === 'busy') return false;
    const started = performance.now();
    // A scheduled scan spends upstream budget after interactive calls and refreshes.
    const screening = await runWithUpstreamPriority('background', () => this.signals.refresh());
    this.logger.log(`Signals refreshed: ${screening.signals.length} of ${screening.scanned} symbols in ${Math.round(performance.now() - started)} ms`);
    return true;
  }
}
