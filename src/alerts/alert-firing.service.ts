import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Quote } from '../market-data/market-data.types';
import { PriceFeed } from '../market-data/price-feed';
import { AlertChannel } from './alert-channel';
import { isCrossed, notificationOf, type AlertNotification } from './alert-rules';
import { AlertStore } from './alert-store';
import { AlertStreamHub } from './alert-stream.hub';
import { AlertsMetrics } from './alerts.metrics';
import { WebhookDelivery } from './webhook-delivery';

export interface PriceUpdate {
  quote: Quote;
  /** When this replica received the quote: only updates after an alert's registration can fire it. */
  receivedAt: Date;
}

/**
 * Fires alerts. Every quote this replica gets from the provider (the alerts' poll, price reads,
 * warmups) is checked, batched per event-loop turn, against the live alerts. A crossed alert is
 * claimed in the store (atomic: one winner across all replicas), and only the winner publishes
 * it on the channel and calls its webhook; every replica writes what the channel brings to its
 * own SSE streams.
 */
@Injectable()
export class AlertFiring implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AlertFiring.name);
  private pending = new Map<string, PriceUpdate>();
  private scheduled = false;
  private idle: Promise<void> = Promise.resolve();
  private unsubscribe?: () => void;
  private lastFailureLog = 0;

  constructor(
    private readonly store: AlertStore,
    private readonly channel: AlertChannel,
    private readonly hub: AlertStreamHub,
    private readonly webhooks: WebhookDelivery,
    private readonly priceFeed: PriceFeed,
    private readonly metrics: AlertsMetrics,
  ) {}

  onModuleInit(): void {
    this.channel.onNotification((notification) => this.hub.broadcast(notification));
    this.channel.start();
    this.unsubscribe = this.priceFeed.subscribe((quote, receivedAt) => this.queue({ quote, receivedAt }));
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
    this.channel.close();
  }

  /** Resolves once every price update received so far has been checked. */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  /**
   * Checks price updates against every live alert and fires the crossed ones this replica wins.
   * @returns the notifications this replica fired. @throws StoreUnavailableError
   */
  async evaluate(updates: readonly PriceUpdate[]): Promise<AlertNotification[]> {
    if (updates.length === 0) return [];
    const bySymbol = new Map(updates.map((update) => [update.quote.symbol, update]));
    const fired: AlertNotification[] = [];
    for (const alert of await this.store.list()) {
      const update = bySymbol.get(alert.symbol);
      if (!update || update.receivedAt.getTime() <= Date.parse(alert.createdAt) || !isCrossed(alert, update.quote.price)) continue;
      // Another replica (or a DELETE) got there first.
      if (!(await this.store.claim(alert.id))) continue;
      const notification = notificationOf(alert, update.quote, new Date());
      this.metrics.onFired();
      this.logger.log(`Alert ${alert.id} fired: ${notification.message}`);
      await this.channel.publish(notification);
      // Queued in the state store (durable); delivered by a worker of any replica.
      if (alert.webhookUrl) await this.webhooks.deliver(alert.webhookUrl, notification);
      fired.push(notification);
    }
    return fired;
  }

  private queue(update: PriceUpdate): void {
    this.pending.set(update.quote.symbol, update);
    if (this.scheduled) return;
    this.scheduled = true;
    this.idle = this.idle.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => this.drain());
  }

  private async drain(): Promise<void> {
    this.scheduled = false;
    const updates = [...this.pending.values()];
    this.pending = new Map();
    try {
      await this.evaluate(updates);
    } catch (error) {
      // A Redis outage would log this for every quote: once per 10 s is enough.
      if (Date.now() - this.lastFailureLog < 10_000) return;
      this.lastFailureLog = Date.now();
      this.logger.warn(`Price alerts not checked: ${(error as Error).message}`);
    }
  }
}
