import { Logger } from '@nestjs/common';
import type { RedisConnection } from '../cache';
import type { AlertEvent } from './alert-rules';

type RedisClient = NonNullable<RedisConnection['client']>;
type Subscriber = ReturnType<RedisClient['createSubscriber']>;
export type NotificationListener = (event: AlertEvent) => void;

/** The channel fired alerts travel on, to every replica (each then feeds its own SSE streams). */
export const ALERTS_CHANNEL = 'alerts:fired';

/**
 * How a fired alert's event (its log entry: id, owner, notification) reaches every replica live: a
 * Redis channel, or this process when Redis is off. What a stream missed is replayed from the
 * store's event log (`AlertStore.eventsAfter`), not from here.
 */
export abstract class AlertChannel {
  protected readonly listeners = new Set<NotificationListener>();

  onNotification(listener: NotificationListener): void {
    this.listeners.add(listener);
  }

  /** Whether notifications published elsewhere can arrive here now. */
  abstract get subscribed(): boolean;
  abstract start(): void;
  /** Never throws: a notification that cannot be published is still delivered on this replica. */
  abstract publish(event: AlertEvent): Promise<void>;
  abstract close(): void;

  protected deliver(event: AlertEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/** One process: published notifications go straight to its own listeners. */
export class LocalAlertChannel extends AlertChannel {
  readonly subscribed = true;

  start(): void {}

  async publish(event: AlertEvent): Promise<void> {
    this.deliver(event);
  }

  close(): void {}
}

/**
 * PUBLISH on `{REDIS_PREFIX}alerts:fired` through the cache's client, and a subscriber connection
 * of our own (it follows the master on Sentinel and moves node on a cluster, as the bus's does).
 */
export class RedisAlertChannel extends AlertChannel {
  private readonly logger = new Logger(RedisAlertChannel.name);
  private readonly subscriber: Subscriber;
  private up = false;

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly timeoutMs = 1000,
  ) {
    super();
    this.subscriber = client.createSubscriber();
    this.subscriber.on('ready', () => (this.up = true));
    this.subscriber.on('end', () => (this.up = false));
    this.subscriber.on('error', () => (this.up = false));
  }

  get subscribed(): boolean {
    return this.up;
  }

  start(): void {
    this.subscriber
      .subscribe(this.prefix + ALERTS_CHANNEL, (message) => this.receive(message))
      .then(() => this.subscriber.connect())
      .catch((error: Error) => this.logger.warn(`Alert channel not subscribed yet: ${error.message}`));
  }

  async publish(event: AlertEvent): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      timer.unref();
    });
    try {
      if (!this.client.isReady) throw new Error('Redis is not connected');
      await Promise.race([this.client.publish(this.prefix + ALERTS_CHANNEL, JSON.stringify(event)), deadline]);
    } catch (error) {
      // The alert already fired (it will not fire again): deliver it here at least; the other
      // replicas' streams get it from the event log when their clients reconnect.
      this.logger.warn(`Alert ${event.notification.alertId} not published (${(error as Error).message}); delivered on this replica only`);
      this.deliver(event);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.subscriber.destroy();
  }

  private receive(raw: string): void {
    try {
      const event = JSON.parse(raw) as Partial<AlertEvent>;
      if (typeof event.id !== 'string' || typeof event.owner !== 'string' || typeof event.notification !== 'object') throw new Error('not an alert event');
      this.deliver(event as AlertEvent);
    } catch (error) {
      this.logger.warn(`Ignored a malformed alert notification: ${(error as Error).message}`);
    }
  }
}
