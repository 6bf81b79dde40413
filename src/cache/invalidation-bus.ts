import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { CacheEvents } from './cache.events';
import { globToRegExp } from './glob';
import type { RedisSubscriber } from './redis-topology';
import type { LocalTier } from './tiers/local-tier';
import type { RemoteTier } from './tiers/remote-tier';

/** One bus message: what changed on the replica `o`. */
interface BusMessage {
  o: string;
  k?: string[];
  p?: string;
  t?: string;
  /** Several tags at once (the dependents of a pattern delete). */
  ts?: string[];
}

export type BusState = 'up' | 'down' | 'disabled';

export const BUS_CHANNEL = 'bus:invalidate';
// Keys per message; writes within one tick are batched into as few messages as this allows.
const KEYS_PER_MESSAGE = 500;

/**
 * L1 coherence across replicas. Writes, deletes and invalidations are published on a Redis
 * channel (batched per event-loop tick); the other replicas drop their L1 copy, so their next
 * read goes to L2. A replica ignores its own messages. While the subscription is down, L1
 * lifetimes are capped (`downTtlMs`) so staleness from missed messages stays bounded;
 * node-redis resubscribes by itself on reconnect.
 */
export class InvalidationBus {
  private readonly logger = new Logger(InvalidationBus.name);
  readonly origin = randomUUID();
  private pendingKeys = new Set<string>();
  private flushScheduled = false;
  private state: BusState = 'down';

  constructor(
    private readonly subscriber: RedisSubscriber,
    private readonly remote: RemoteTier,
    private readonly local: LocalTier,
    private readonly events: CacheEvents,
    private readonly prefix: string,
    private readonly downTtlMs: number,
  ) {
    events.on('written', ({ keys }) => this.queue(keys));
    events.on('deleted', ({ keys }) => this.queue(keys));
    events.on('invalidated', ({ pattern, tag, tags, remote }) => {
      if (!remote) void this.send({ o: this.origin, p: pattern, t: tag, ts: tags && [...tags] });
    });
    subscriber.on('ready', () => this.setState('up'));
    subscriber.on('end', () => this.setState('down'));
    subscriber.on('error', () => this.setState('down'));
    this.setState('down');
  }

  /**
   * Subscribes and connects in the background; never blocks boot. The subscriber keeps the
   * channel across reconnects and, on Sentinel or Cluster, across moves to another node.
   */
  start(): void {
    this.subscriber
      .subscribe(this.prefix + BUS_CHANNEL, (message) => this.receive(message))
      .then(() => this.subscriber.connect())
      .catch((error: Error) => this.logger.warn(`Invalidation bus not subscribed yet: ${error.message}`));
  }

  get status(): BusState {
    return this.state;
  }

  async close(): Promise<void> {
    await this.flush();
    // Also when not open yet: a subscriber still waiting for its first node must not open one later.
    this.subscriber.destroy();
  }

  private queue(keys: readonly string[]): void {
    for (const key of keys) this.pendingKeys.add(key);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const keys = [...this.pendingKeys];
    this.pendingKeys = new Set();
    for (let i = 0; i < keys.length; i += KEYS_PER_MESSAGE) {
      await this.send({ o: this.origin, k: keys.slice(i, i + KEYS_PER_MESSAGE) });
    }
  }

  private async send(message: BusMessage): Promise<void> {
    if (this.remote.available) await this.remote.publish(BUS_CHANNEL, JSON.stringify(message));
  }

  private receive(raw: string): void {
    let message: BusMessage;
    try {
      message = JSON.parse(raw) as BusMessage;
    } catch {
      return;
    }
    if (message.o === this.origin) return;
    for (const key of message.k ?? []) this.local.delete(key);
    if (typeof message.p === 'string') {
      const regex = globToRegExp(message.p);
      const count = this.local.deleteWhere((key) => regex.test(key));
      this.events.emit('invalidated', { pattern: message.p, count, remote: true });
    }
    if (typeof message.t === 'string') {
      const tag = message.t;
      const count = this.local.deleteWhere((_, entry) => entry.tags.includes(tag));
      this.events.emit('invalidated', { tag, count, remote: true });
    }
    if (Array.isArray(message.ts)) {
      const tags = new Set(message.ts.filter((tag): tag is string => typeof tag === 'string'));
      const count = this.local.deleteWhere((_, entry) => entry.tags.some((tag) => tags.has(tag)));
      this.events.emit('invalidated', { tags: [...tags], count, remote: true });
    }
  }

  private setState(state: 'up' | 'down'): void {
    if (state === this.state) return;
    this.state = state;
    if (state === 'down') {
      this.local.setMaxTtl(this.downTtlMs);
      this.local.capTtl(this.downTtlMs);
    } else {
      this.local.setMaxTtl(Number.POSITIVE_INFINITY);
    }
    this.logger.log(`Invalidation bus ${state}${state === 'down' ? `: L1 lifetimes capped at ${this.downTtlMs} ms` : ''}`);
  }
}
