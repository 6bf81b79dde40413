import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Quote } from '../market-data/market-data.types';
import { PriceFeed } from '../market-data/price-feed';
import { AlertChannel } from './alert-channel';
import { isCrossed, notificationOf, type AlertDefinition, type AlertEvent, type AlertNotification } from './alert-rules';
import { AlertStore } from './alert-store';
import { AlertStreamHub } from './alert-stream.hub';
import { AlertsMetrics } from './alerts.metrics';
import { WebhookDelivery } from './webhook-delivery';

export interface PriceUpdate {
  quote: Quote;
  /** When this replica received the quote: only updates after an alert's registration can fire it. */
  receivedAt: Date;
}

// A listing of the live alerts serves the checks of this long (one HGETALL of every alert per
// second at most, whatever the quote traffic); the poll passes its own, fresh one.
const SNAPSHOT_MS = 1000;

/**
 * Fires alerts. Every quote this replica gets from the provider (the alerts' poll, price reads,
 * warmups) is checked, batched per event-loop turn, against the live alerts (a listing at most
 * `SNAPSHOT_MS` old, or the poll's). A crossed alert is moved to `fired` in the store (atomic: one
 * winner across all replicas; the notification goes to the bounded event log in the same step),
 * and only the winner publishes it on the channel and hands it to webhook delivery; every replica
 * writes what the channel brings to its own SSE streams.
 */
@Injectable()
export class AlertFiring implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AlertFiring.name);
  private pending = new Map<string, PriceUpdate>();
  private scheduled = false;
  private idle: Promise<void> = Promise.resolve();
  private unsubscribe?: () => void;
  private lastFailureLog = 0;
  private snapshot?: { at: number; bySymbol: Map<string, AlertDefinition[]>; ended: Set<string>; pinned: boolean };

  constructor(
    private readonly store: AlertStore,
    private readonly channel: AlertChannel,
    private readonly hub: AlertStreamHub,
    private readonly webhooks: WebhookDelivery,
    private readonly priceFeed: PriceFeed,
    private readonly metrics: AlertsMetrics,
  ) {}

  onModuleInit(): void {
    this.channel.onNotification((event) => this.hub.broadcast(event));
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
   * The poll's fresh listing, for the checks of the quotes it is about to fetch: `pinned` keeps it
   * for the whole poll (one listing per tick however long the provider takes), until `releaseSnapshot`.
   */
  useSnapshot(alerts: readonly AlertDefinition[], pinned = false): void {
    this.snapshot = { at: Date.now(), bySymbol: groupBySymbol(alerts), ended: new Set(), pinned };
  }

  releaseSnapshot(): void {
    if (this.snapshot) this.snapshot.pinned = false;
  }

  /** A registration on this replica: the next check lists again. */
  forgetSnapshot(): void {
    this.snapshot = undefined;
  }

  /**
   * Checks price updates against the live alerts (`alerts`, else a fresh listing) and fires the
   * crossed ones this replica wins.
   * @returns the notifications this replica fired. @throws StoreUnavailableError
   */
  async evaluate(updates: readonly PriceUpdate[], alerts?: Map<string, AlertDefinition[]>): Promise<AlertNotification[]> {
    if (updates.length === 0) return [];
    const bySymbol = alerts ?? groupBySymbol(await this.store.list());
    const fired: AlertNotification[] = [];
    for (const update of updates) {
      for (const alert of bySymbol.get(update.quote.symbol) ?? []) {
        if (this.snapshot?.ended.has(alert.id)) continue;
        if (update.receivedAt.getTime() <= Date.parse(alert.createdAt) || !isCrossed(alert, update.quote.price)) continue;
        const notification = notificationOf(alert, update.quote, new Date());
        // Only an active alert moves to fired: another replica, a DELETE or its expiry may have got there first.
        const { won, event } = await this.store.end(alert.id, { status: 'fired', at: new Date(notification.firedAt), notification });
        this.snapshot?.ended.add(alert.id);
        if (!won) continue;
        fired.push(await this.fired(alert, notification, event));
      }
    }
    return fired;
  }

  private async fired(alert: AlertDefinition, notification: AlertNotification, event: AlertEvent | undefined): Promise<AlertNotification> {
    {
      this.metrics.onFired();
      this.logger.log(`Alert ${alert.id} fired: ${notification.message}`);
      if (event) await this.channel.publish(event);
      // Queued in the state store (durable); delivered by a worker of any replica.
      if (alert.webhookUrl) await this.webhooks.deliver(alert.webhookUrl, notification);
    }
    return notification;
  }

  private async liveAlerts(): Promise<Map<string, AlertDefinition[]>> {
    if (this.snapshot && (this.snapshot.pinned || Date.now() - this.snapshot.at < SNAPSHOT_MS)) return this.snapshot.bySymbol;
    const alerts = await this.store.list();
    this.useSnapshot(alerts);
    return this.snapshot?.bySymbol ?? groupBySymbol(alerts);
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
      await this.evaluate(updates, await this.liveAlerts());
    } catch (error) {
      // A Redis outage would log this for every quote: once per 10 s is enough.
      if (Date.now() - this.lastFailureLog < 10_000) return;
      this.lastFailureLog = Date.now();
      this.logger.warn(`Price alerts not checked: ${(error as Error).message}`);
    }
  }
}

function groupBySymbol(alerts: readonly AlertDefinition[]): Map<string, AlertDefinition[]> {
  const bySymbol = new Map<string, AlertDefinition[]>();
  for (const alert of alerts) {
    const list = bySymbol.get(alert.symbol);
    if (list) list.push(alert);
    else bySymbol.set(alert.symbol, [alert]);
  }
  return bySymbol;
}
