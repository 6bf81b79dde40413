import type { RedisNodeAddress } from '../../config/cache.config';
import type { RedisClient, RedisSentinelClient } from '../redis-client.factory';
import { reconnectDelay } from './reconnect-delay';
import type { RedisSubscriber } from '../redis-topology';
import { NodeSubscriber } from './node-subscriber';
import { isParserError } from './reply-checks';
import { SingleNodeTopology } from './single-node.topology';

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/**
 * A Sentinel-managed master through node-redis' Sentinel client: it asks the Sentinels for the
 * master, follows `+switch-master` (and re-asks whenever the master connection drops), and sends
 * every command to the master of the moment. During a failover its commands wait for the new
 * master instead of failing; our deadline still answers them within `CACHE_L2_TIMEOUT_MS`, the
 * breaker opens, and the half-open probe finds the promoted replica. A command that timed out for
 * us may still run once the new master is there (a late write of the value it carried).
 *
 * The boot connect is retried here, forever, with the usual back-off: node-redis' own loop would
 * print every failed round to stdout, give up after 16 and then refuse to connect again (so the
 * factory sets `maxCommandRediscovers: 0`, which also makes a command that fails on a dropped
 * master connection fail at once, as on a single server, rather than be retried).
 *
 * A reset (a desynchronised master connection) destroys the Sentinel client, which destroys its
 * master client and rejects what was queued on it, and connects it again: it asks the Sentinels
 * for the master anew and opens a fresh connection there. node-redis reports a parser failure of
 * the master connection as a `client-error` event of type MASTER.
 */
export class SentinelTopology extends SingleNodeTopology<RedisSentinelClient> {
  readonly kind = 'sentinel' as const;
  private closed = false;
  /** A reset's reconnect in progress: a second reset meanwhile has nothing more to replace. */
  private replacing?: Promise<void>;
  private markMasterKnown!: () => void;
  /** Resolves on the first connect: from then on the client knows the master. */
  private readonly masterKnown = new Promise<void>((resolve) => (this.markMasterKnown = resolve));

  constructor(
    client: RedisSentinelClient,
    private readonly nodeClient: (node?: RedisNodeAddress) => RedisClient,
  ) {
    super(client);
    client.on('error', (error: unknown) => {
      // The master client's parser failures arrive twice (here wrapped, and as 'client-error'): reset on the latter.
      if (!isParserError(error)) this.emit('error', asError(error));
    });
    client.on('client-error', (event: { type: string; error: unknown }) => {
      if (event.type === 'MASTER' && isParserError(event.error) && !this.replacing) this.reset('protocol-error');
    });
    // A new master is connected: for us, a reconnect.
    client.on('topology-change', (event: { type: string }) => {
      if (event.type === 'MASTER_CHANGE') this.emit('ready');
    });
  }

  async connect(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.client.connect();
        // A close during connect makes node-redis return as if connected.
        if (this.closed) return;
        this.markMasterKnown();
        this.emit('ready');
        return;
      } catch (error) {
        this.emit('error', asError(error));
        // node-redis keeps the failed client marked open; reset it so connect() may run again.
        await this.client.destroy();
        await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt)).unref());
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.client.isOpen) await this.client.close();
  }

  destroy(): void {
    this.closed = true;
    // Async in node-redis' Sentinel client; nothing to wait for on the way out.
    void this.client.destroy().catch(() => undefined);
  }

  protected replaceClient(): void {
    if (this.closed || this.replacing) return;
    this.replacing = this.client
      .destroy()
      .catch(() => undefined)
      .then(() => this.connect())
      .finally(() => (this.replacing = undefined));
  }

  /** On the current master, moving with it after a failover. */
  createSubscriber(): RedisSubscriber {
    return new NodeSubscriber({
      create: (node) => this.nodeClient(node),
      locate: () => this.client.getMasterNode(),
      whenKnown: () => this.masterKnown,
      watch: (relocate) => {
        const onChange = (event: { type: string }) => event.type === 'MASTER_CHANGE' && relocate();
        this.client.on('topology-change', onChange);
        return () => this.client.off('topology-change', onChange);
      },
    });
  }
}
