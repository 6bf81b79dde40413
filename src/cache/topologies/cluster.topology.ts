import { EventEmitter } from 'node:events';
import type { RedisNodeAddress } from '../../config/cache.config';
import type { RedisClient, RedisClusterClient } from '../redis-client.factory';
import { reconnectDelay } from './reconnect-delay';
import type { EntryWrite, RedisResetReason, RedisSubscriber, RedisTopology, ScanPage, SetOptions } from '../redis-topology';
import { planWrites, queueWrites } from './entry-writes';
import { NodeSubscriber } from './node-subscriber';
import { isBulkArray, isBulkOrNull, isParserError, isSetReply, sendChecked } from './reply-checks';
import { calculateSlot, decodeClusterCursor, encodeClusterCursor, groupBySlot } from './slot-groups';

/**
 * Redis Cluster through node-redis' cluster client, which routes single-key commands by hash
 * slot and follows MOVED/ASK. Multi-key commands are split here, because a command (or a MULTI)
 * may only touch one slot: `mGet`, `unlink` and `writeEntries` send one command (or MULTI) per
 * slot group, all in parallel, and reassemble replies in input order. Listing visits every master
 * (SCAN is per node) with a composite cursor. PING and INFO go to the first master by address.
 *
 * A reset (a desynchronised node connection: a parser failure on any node, a GET/MGET/SET reply of
 * the wrong shape, an entry under another key) destroys the whole cluster client, rejecting what
 * was queued on every node, and discovers the cluster again with fresh connections: node-redis
 * does not expose one node's client for replacement. Other commands' replies are not
 * shape-checked here; a desync there shows on the next GET or as a stall.
 */
export class ClusterTopology extends EventEmitter implements RedisTopology {
  readonly kind = 'cluster' as const;
  private connected = false;
  private closed = false;
  /** Bumped by every reset: commands in flight on the destroyed client reject with ClientResetError. */
  private generation = 0;
  private replacing = false;
  private markConnected!: () => void;
  private readonly firstConnect = new Promise<void>((resolve) => (this.markConnected = resolve));

  constructor(
    private readonly cluster: RedisClusterClient,
    private readonly seeds: readonly RedisNodeAddress[],
    private readonly nodeClient: (node?: RedisNodeAddress) => RedisClient,
  ) {
    super();
    cluster.on('error', (error: Error) => this.emit('error', error));
    cluster.on('node-error', (error: Error) => {
      if (isParserError(error)) return this.reset('protocol-error');
      this.emit('error', error);
    });
    cluster.on('node-ready', () => this.emit('ready'));
  }

  /** node-redis' cluster client has no `isReady`: ready once slots are known, until closed. A down node shows in its commands' errors. */
  get isReady(): boolean {
    return this.connected && this.cluster.isOpen;
  }

  get isOpen(): boolean {
    return this.cluster.isOpen;
  }

  /** Discovery fails when no seed answers; node-redis does not retry that, so it is retried here. */
  async connect(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.cluster.connect();
        if (this.closed) return;
        this.connected = true;
        this.markConnected();
        this.emit('ready');
        return;
      } catch (error) {
        this.emit('error', error instanceof Error ? error : new Error(String(error)));
        await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt)).unref());
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.cluster.isOpen) await this.cluster.close();
  }

  destroy(): void {
    this.closed = true;
    if (this.cluster.isOpen) this.cluster.destroy();
  }

  /** `reply` is not traced to a connection here: any reset while one is being replaced is the same reset. */
  reset(reason: RedisResetReason): void {
    if (this.closed || this.replacing) return;
    this.replacing = true;
    this.generation++;
    this.connected = false;
    if (this.cluster.isOpen) this.cluster.destroy();
    this.emit('reset', reason);
    void this.connect().finally(() => (this.replacing = false));
  }

  // Single-key commands: node-redis routes them by slot and follows MOVED/ASK after a resharding.

  get(key: string): Promise<Buffer | null> {
    return this.checked('GET', () => this.cluster.get(key), isBulkOrNull);
  }

  /** One MGET per slot group, in parallel; replies put back in input order. */
  async mGet(keys: readonly string[]): Promise<(Buffer | null)[]> {
    const replies = new Array<Buffer | null>(keys.length).fill(null);
    await Promise.all(
      groupBySlot(keys).map(async (group) => {
        const values = await this.checked('MGET', () => this.cluster.mGet(group.keys), isBulkArray(group.keys.length));
        group.positions.forEach((position, i) => (replies[position] = values[i]));
      }),
    );
    return replies;
  }

  async set(key: string, value: string | Buffer, options?: SetOptions): Promise<string | null> {
    return (await this.checked('SET', () => this.cluster.set(key, value, options), isSetReply)) as string | null;
  }

  /** One MULTI per slot group, in parallel: atomic per group, not across the batch. */
  async writeEntries(entries: readonly EntryWrite[]): Promise<void> {
    await Promise.all(
      planWrites(entries, calculateSlot).map((group) => {
        const multi = this.cluster.multi(group.routingKey);
        queueWrites(multi, group);
        return multi.exec();
      }),
    );
  }

  /** One UNLINK per slot group, in parallel; the total count. */
  async unlink(keys: string | readonly string[]): Promise<number> {
    const groups = groupBySlot(typeof keys === 'string' ? [keys] : keys);
    const counts = await Promise.all(groups.map((group) => this.cluster.unlink(group.keys)));
    return counts.reduce((sum, n) => sum + n, 0);
  }

  /** One SCAN step on one master; when a master is done, the cursor moves to the next one. */
  async scan(cursor: string, match: string, count: number): Promise<ScanPage> {
    const masters = this.masters();
    const { masterIndex, nodeCursor } = decodeClusterCursor(cursor);
    if (masterIndex >= masters.length) return { cursor: '0', keys: [] };
    const client = await this.cluster.nodeClient(masters[masterIndex]);
    const page = await client.scan(nodeCursor, { MATCH: match, COUNT: count });
    const keys = page.keys.map(String);
    if (String(page.cursor) !== '0') return { cursor: encodeClusterCursor(masterIndex, String(page.cursor)), keys };
    return { cursor: masterIndex + 1 < masters.length ? encodeClusterCursor(masterIndex + 1, '0') : '0', keys };
  }

  async sMembers(key: string): Promise<string[]> {
    return (await this.cluster.sMembers(key)).map(String);
  }

  pTTL(key: string): Promise<number> {
    return this.cluster.pTTL(key);
  }

  exists(key: string): Promise<number> {
    return this.cluster.exists(key);
  }

  /** Classic PUBLISH reaches subscribers on every node of the cluster. */
  publish(channel: string, message: string): Promise<number> {
    return this.cluster.publish(channel, message);
  }

  /** Routed by the first key: the lease scripts touch one key only. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown> {
    return this.cluster.eval(script, options);
  }

  /**
   * PING and INFO answer for one master (the first by address): enough for a health round trip and
   * the server version; per-master memory is on each node. Cluster-wide PING would wait on the slowest.
   */
  async ping(): Promise<string> {
    return String(await (await this.firstMasterClient()).ping());
  }

  async info(section?: string): Promise<string> {
    return String(await (await this.firstMasterClient()).info(section));
  }

  /** On one master (classic pub/sub is cluster-wide); moves to another if that one leaves the cluster. */
  createSubscriber(): RedisSubscriber {
    return new NodeSubscriber({
      create: (node) => this.nodeClient(node),
      whenKnown: () => this.firstConnect,
      locate: () => {
        const masters = this.masters();
        return masters.length > 0 ? { host: masters[0].host, port: masters[0].port } : this.seeds[0];
      },
    });
  }

  private checked<R>(name: string, send: () => Promise<R>, valid: (reply: unknown) => boolean): Promise<R> {
    return sendChecked(name, () => this.generation, () => this.reset('reply-mismatch'), send, valid);
  }

  /** Masters in address order, so composite cursors keep their meaning between pages. */
  private masters() {
    return [...this.cluster.masters].sort((a, b) => a.address.localeCompare(b.address));
  }

  private firstMasterClient() {
    const [first] = this.masters();
    if (!first) return Promise.reject(new Error('Redis Cluster: no master known (not connected)'));
    return this.cluster.nodeClient(first);
  }
}
