import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import pLimit from 'p-limit';
import { StoreUnavailableError } from '../common/errors';
import type { AlertsConfig } from '../config/alerts.config';
import { MarketDataService } from '../market-data/market-data.service';
import { Scheduler } from '../warmup/scheduler';
import type { RedisLease } from '../warmup/warmup-lease';
import { AlertFiring } from './alert-firing.service';
import { AlertStore } from './alert-store';
import { ALERTS_CONFIG, ALERTS_POLL_JOB, ALERTS_POLL_LEASE } from './alerts.constants';

// Provider calls of one poll in flight at once (the provider's own limit still applies).
const POLL_CONCURRENCY = 4;

/**
 * Every `ALERTS_POLL_INTERVAL_MS`, one replica (the one that takes the lease, left to expire
 * just before the next tick) fetches fresh quotes of the symbols that have live alerts; the
 * quotes go through the price feed, so `AlertFiring` checks them, and into the price cache.
 */
@Injectable()
export class AlertPricePoller implements OnApplicationBootstrap {
  private readonly logger = new Logger(AlertPricePoller.name);

  constructor(
    @Inject(ALERTS_CONFIG) private readonly config: AlertsConfig,
    private readonly store: AlertStore,
    private readonly marketData: MarketDataService,
    private readonly firing: AlertFiring,
    private readonly scheduler: Scheduler,
    @Inject(ALERTS_POLL_LEASE) private readonly lease: RedisLease,
  ) {}

  onApplicationBootstrap(): void {
    const { pollIntervalMs } = this.config;
    if (pollIntervalMs > 0) this.scheduler.every(ALERTS_POLL_JOB, pollIntervalMs, () => this.tick());
  }

  /** One scheduled tick: polls unless another replica already did in this interval. */
  async tick(): Promise<void> {
    const lease = await this.lease.acquire(Math.max(1, Math.floor(this.config.pollIntervalMs * 0.9)));
    if (lease.state === 'busy') return;
    try {
      await this.poll();
    } catch (error) {
      // Redis down: the alerts live there, so there is nothing to check until it is back (an
      // expected, degraded state, not an error); the next tick tries again.
      if (!(error instanceof StoreUnavailableError)) throw error;
      this.logger.warn(`Alert poll skipped: ${error.message}`);
    }
  }

  /**
   * Fetches the alerted symbols' quotes (one provider call per distinct symbol) and resolves once
   * they were checked against this poll's listing (one read of every live alert); returns the
   * symbols polled.
   */
  async poll(): Promise<string[]> {
    const alerts = await this.store.list();
    this.firing.useSnapshot(alerts, true);
    const symbols = [...new Set(alerts.map((alert) => alert.symbol))].sort();
    const limit = pLimit(POLL_CONCURRENCY);
    await Promise.all(
      symbols.map((symbol) =>
        limit(async () => {
          try {
            await this.marketData.refreshPrice(symbol);
          } catch (error) {
            this.logger.warn(`Alert poll: no quote for ${symbol}: ${(error as Error).message}`);
          }
        }),
      ),
    );
    try {
      await this.firing.whenIdle();
    } finally {
      this.firing.releaseSnapshot();
    }
    return symbols;
  }
}
