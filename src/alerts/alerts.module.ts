import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { RedisConnection } from '../cache';
import type { AllConfig } from '../config/configuration';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { MarketDataModule } from '../market-data/market-data.module';
import { StateConnection } from '../state/state-connection';
import { StateModule } from '../state/state.module';
import { WarmupModule } from '../warmup/warmup.module';
import { AlertChannel, LocalAlertChannel, RedisAlertChannel } from './alert-channel';
import { AlertFiring } from './alert-firing.service';
import { AlertPricePoller } from './alert-price-poller.service';
import { AlertStore, MemoryAlertStore, type AlertStoreLimits } from './alert-store';
import { AlertStreamHub } from './alert-stream.hub';
import { ALERTS_CONFIG, ALERTS_POLL_LEASE } from './alerts.constants';
import { AlertsController } from './alerts.controller';
import { AlertsMetrics } from './alerts.metrics';
import { AlertsService } from './alerts.service';
import { ImportingAlertStore } from './legacy-alert-import';
import { RedisAlertStore } from './redis-alert-store';
import { WebhookDelivery } from './webhook-delivery';
import { WebhookNetwork } from './webhooks/webhook-network';
import { MemoryWebhookQueue, RedisWebhookQueue, WebhookQueue } from './webhooks/webhook-queue';

const prefixOf = (config: ConfigService<AllConfig, true>) => config.get('cache', { infer: true }).prefix;
const limitsOf = (config: ConfigService<AllConfig, true>): AlertStoreLimits => {
  const alerts = config.get('alerts', { infer: true });
  return { perOwner: alerts.maxPerCaller, total: alerts.maxTotal, historyRetentionMs: alerts.historyRetentionMs, eventsMax: alerts.eventsMax };
};

/**
 * Price alerts: storage, firing, SSE and webhooks, the provider poll. Alerts and the poll's lease are
 * state (`StateConnection`: never reached by a cache operation; STATE_REDIS_URL's Redis when set);
 * the fired-alert channel is pub/sub on the cache's Redis (no keys). Memory without Redis. Wiring only.
 */
@Module({
  imports: [MarketDataModule, WarmupModule, StateModule, IdempotencyModule],
  controllers: [AlertsController],
  providers: [
    AlertsService,
    AlertFiring,
    AlertPricePoller,
    AlertStreamHub,
    WebhookDelivery,
    WebhookNetwork,
    {
      // Pending webhook deliveries are state too: a replica that dies does not take them along.
      provide: WebhookQueue,
      inject: [StateConnection],
      useFactory: (state: StateConnection): WebhookQueue =>
        state.backend === 'memory' ? new MemoryWebhookQueue() : new RedisWebhookQueue(() => state.client, state.keyPrefix),
    },
    AlertsMetrics,
    {
      provide: ALERTS_CONFIG,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => config.get('alerts', { infer: true }),
    },
    {
      provide: AlertStore,
      inject: [StateConnection, RedisConnection, ConfigService, AlertsMetrics],
      useFactory: (state: StateConnection, connection: RedisConnection, config: ConfigService<AllConfig, true>, metrics: AlertsMetrics): AlertStore => {
        const limits = limitsOf(config);
        const store =
          state.backend === 'memory'
            ? new MemoryAlertStore(limits)
            : // Alerts of the older layouts (under the cache prefix; under the state prefix before owners and statuses) are moved over on the first read.
              new ImportingAlertStore(
                new ImportingAlertStore(new RedisAlertStore(() => state.client, state.keyPrefix, limits), () => state.client, state.keyPrefix),
                () => connection.client,
                prefixOf(config),
              );
        store.onQuarantined(() => metrics.onQuarantined());
        return store;
      },
    },
    {
      provide: AlertChannel,
      inject: [RedisConnection, ConfigService],
      useFactory: (connection: RedisConnection, config: ConfigService<AllConfig, true>): AlertChannel =>
        connection.client ? new RedisAlertChannel(connection.client, prefixOf(config)) : new LocalAlertChannel(),
    },
    {
      provide: ALERTS_POLL_LEASE,
      inject: [StateConnection],
      useFactory: (state: StateConnection) => state.lease('alerts-poll'),
    },
  ],
})
export class AlertsModule {}
