import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { CacheAdminService } from '../cache';
import type { WarmupConfig } from '../config/warmup.config';
import { ReadinessState } from '../health/readiness.state';
import { CacheWarmerService } from './cache-warmer.service';
import { Scheduler } from './scheduler';
import { LEASE_RENEW_JOB, REFRESH_AHEAD_JOB, WARMUP_CONFIG, WARMUP_CRON_JOB, WARMUP_LEASE } from './warmup.constants';
import type { RedisLease } from './warmup-lease';

// The lease outlives a crashed holder by at most this; a live holder renews it every third of it.
const LEASE_TTL_MS = 60_000;

/**
 * The warmup's schedules, from config: the boot warmup, the cron warmup (one replica at a time,
 * through a Redis lease) and refresh-ahead passes. Everything goes through `Scheduler`.
 */
@Injectable()
export class WarmupSchedule implements OnApplicationBootstrap {
  private readonly logger = new Logger(WarmupSchedule.name);

  constructor(
    @Inject(WARMUP_CONFIG) private readonly config: WarmupConfig,
    private readonly warmer: CacheWarmerService,
    private readonly cacheAdmin: CacheAdminService,
    private readonly scheduler: Scheduler,
    @Inject(WARMUP_LEASE) private readonly lease: RedisLease,
    @Optional() private readonly readiness?: ReadinessState,
  ) {}

  onApplicationBootstrap(): void {
    this.warmer.startBootWarmup();
    // Readiness waits for the boot warmup, at most WARMUP_BOOT_MAX_WAIT_MS (the gate is bounded by the warmer).
    if (!this.warmer.isBootGateOpen()) this.readiness?.holdUntil('boot-warmup', this.warmer.bootGate());
    if (this.config.cron) {
      this.scheduler.cron(WARMUP_CRON_JOB, this.config.cron, this.config.timeZone, () => this.scheduledWarmup());
      const next = this.scheduler.nextRun(WARMUP_CRON_JOB);
      this.logger.log(`Scheduled warmup "${this.config.cron}" (${this.config.timeZone}); next ${next?.toISOString() ?? 'unknown'}`);
    }
    const { intervalMs, withinMs } = this.config.refreshAhead;
    if (intervalMs > 0) this.scheduler.every(REFRESH_AHEAD_JOB, intervalMs, () => this.cacheAdmin.refreshAhead({ withinMs }));
  }

  /** One cron tick: runs the warmup if this replica wins the lease (or Redis is unavailable), and waits for it. */
  async scheduledWarmup(): Promise<void> {
    const lease = await this.lease.acquire(LEASE_TTL_MS);
    if (lease.state === 'busy') {
      this.logger.log('Scheduled warmup skipped: another replica holds the warmup lease');
      return;
    }
    if (lease.state === 'unavailable') {
      this.logger.warn(`Scheduled warmup runs locally without a lease (${lease.reason}); assuming a single replica`);
    }
    const token = lease.state === 'acquired' ? lease.token : undefined;
    if (token) {
      this.scheduler.every(LEASE_RENEW_JOB, LEASE_TTL_MS / 3, async () => {
        if (!(await this.lease.renew(token, LEASE_TTL_MS))) this.logger.warn('Warmup lease could not be renewed; another replica may start one');
      });
    }
    try {
      const { run } = this.warmer.start({}, 'cron');
      await run.finished;
    } finally {
      if (token) {
        this.scheduler.cancel(LEASE_RENEW_JOB);
        await this.lease.release(token);
      }
    }
  }
}
