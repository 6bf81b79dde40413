import { EventEmitter } from 'node:events';
import type { RedisNodeAddress } from '../../config/cache.config';
import type { RedisClient } from '../redis-client.factory';
import type { RedisSubscriber } from '../redis-topology';

export interface NodeSubscriberOptions {
  /** A client for `node`, or for the configured standalone server when `locate` is absent. */
  create(node?: RedisNodeAddress): RedisClient;
  /**
   * The node to be on now (the Sentinel's master, a cluster master); undefined while not known,
   * and then nothing is opened (never a fallback to a default address). Absent: standalone.
   */
  locate?(): RedisNodeAddress | undefined;
  /** Registers a callback for "the topology changed, check where to be"; returns its removal. */
  watch?(relocate: () => void): () => void;
  /** Resolves once `locate` can answer (the topology's first connect). */
  whenKnown?(): Promise<void>;
}

const sameNode = (a?: RedisNodeAddress, b?: RedisNodeAddress) => a?.host === b?.host && a?.port === b?.port;

/**
 * A pub/sub connection to one node that follows the topology: node-redis resubscribes after a
 * reconnect to the same node; when the node to be on changes (a failover promoted another master,
 * the node left the cluster) it opens a client there, resubscribes and drops the old one. Any node
 * will do for classic pub/sub: PUBLISH reaches every node of a cluster and every replica.
 */
export class NodeSubscriber extends EventEmitter implements RedisSubscriber {
  private client?: RedisClient;
  private target?: RedisNodeAddress;
  private started = false;
  private destroyed = false;
  private readonly channels = new Map<string, (message: string) => void>();
  private readonly unwatch?: () => void;
  private markOpened!: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.markOpened = resolve));

  constructor(private readonly options: NodeSubscriberOptions) {
    super();
    // Errors are also reported through `ready`/`end`; an unobserved 'error' must not crash the process.
    this.on('error', () => undefined);
    this.unwatch = options.watch?.(() => this.relocate());
  }

  get isOpen(): boolean {
    return this.client?.isOpen ?? false;
  }

  /** Resolves once the first client is connected and subscribed. */
  connect(): Promise<void> {
    if (!this.started) {
      this.started = true;
      void (this.options.whenKnown?.() ?? Promise.resolve()).then(() => this.relocate());
    }
    return this.opened;
  }

  /** May be called before `connect`: channels are (re)subscribed on every client this opens. */
  async subscribe(channel: string, listener: (message: string) => void): Promise<void> {
    // One function per channel: node-redis keeps listeners in a Set, so resubscribing never doubles delivery.
    const deliver = (message: unknown) => listener(String(message));
    this.channels.set(channel, deliver);
    if (this.client?.isReady) await this.client.subscribe(channel, deliver);
  }

  destroy(): void {
    this.destroyed = true;
    this.unwatch?.();
    const client = this.client;
    this.client = undefined;
    if (client?.isOpen) client.destroy();
  }

  /** Opens a client on the node `locate` names now, unless already there (or not known yet). */
  private relocate(): void {
    if (this.destroyed || !this.started) return;
    const fixed = !this.options.locate;
    const next = this.options.locate?.();
    if (!fixed && !next) return;
    if (this.client && (fixed || sameNode(next, this.target))) return;
    const previous = this.client;
    this.open(next).catch(() => undefined);
    if (previous?.isOpen) previous.destroy();
  }

  private async open(node: RedisNodeAddress | undefined): Promise<void> {
    const client = this.options.create(node);
    this.client = client;
    this.target = node;
    // Only the current client speaks for the subscriber; a replaced one is going away.
    client.on('ready', () => client === this.client && this.emit('ready'));
    client.on('end', () => client === this.client && this.emit('end'));
    client.on('error', (error: Error) => {
      if (client !== this.client) return;
      this.emit('error', error);
      this.relocate();
    });
    await client.connect();
    if (client !== this.client) return;
    for (const [channel, deliver] of this.channels) await client.subscribe(channel, deliver);
    this.markOpened();
  }
}
