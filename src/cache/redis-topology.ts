import type { RedisTopologyKind } from '../config/cache.config';

export type { RedisTopologyKind } from '../config/cache.config';

/**
 * One cache entry to write with `writeEntries`: `SET key value PX ttlMs`, and for each tag index
 * `SADD index key` plus `PEXPIRE index ttlMs NX` then `GT`, so an index lives as long as its
 * longest-lived member (Redis >= 7). Keys are full Redis keys (prefix included).
 */
export interface EntryWrite {
  key: string;
  value: Buffer;
  /** Hard lifetime in ms (TTL + grace); at least 1. */
  ttlMs: number;
  tagIndexes: readonly string[];
}

/** One page of a key listing; `cursor` '0' means the listing is complete. */
export interface ScanPage {
  cursor: string;
  keys: string[];
}

/** node-redis' shape of the `SET` options we use (the warmup lease passes its own). */
export interface SetOptions {
  condition?: 'NX';
  expiration?: { type: 'PX'; value: number };
}

/**
 * Why a client was destroyed and replaced (`RedisTopology.reset`): node-redis' parser failed on
 * the bytes (`protocol-error`), a reply of the wrong shape (`reply-mismatch`), an entry read under
 * another key (`entry-key-mismatch`), or a connection that stayed silent through the breaker's
 * open window and its probe (`stalled`: e.g. a misframed reply swallowing everything after it).
 */
export type RedisResetReason = 'protocol-error' | 'reply-mismatch' | 'entry-key-mismatch' | 'stalled';

/**
 * A separate connection for SUBSCRIBE (a subscribed connection cannot run other commands). It
 * resubscribes by itself after a reconnect, and in Sentinel and Cluster mode moves to a live node
 * when its node goes away. `ready` / `end` / `error` say whether messages can arrive.
 */
export interface RedisSubscriber {
  readonly isOpen: boolean;
  on(event: 'ready' | 'end', listener: () => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  /** Resolves once connected; connection attempts go on in the background until `destroy`. */
  connect(): Promise<void>;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  /** Safe in any state; stops any connection attempt for good. */
  destroy(): void;
}

/**
 * The seam between the cache and a Redis deployment: exactly the operations the remote tier,
 * the invalidation bus and the leases use, implemented once per topology (standalone and
 * Sentinel on one client; Cluster per hash slot and per master). Methods reject on failure or
 * hang on a frozen server: callers bound them (`RemoteTier.run`, `RedisLease`). Values come back
 * as Buffers (cache entries are binary); keys and scripts' string replies as they are.
 *
 * Multi-key operations keep their single-node meaning everywhere: `mGet` answers in input order,
 * `unlink` counts every deleted key, `scan` pages through every key of the deployment. On a
 * cluster they are split per hash slot (one round trip per slot group, in parallel), so they are
 * atomic per slot group, not across the whole call.
 */
export interface RedisTopology {
  readonly kind: RedisTopologyKind;
  /** True while commands can be sent (Sentinel: while a master is known, even mid-failover). */
  readonly isReady: boolean;
  readonly isOpen: boolean;
  /** `ready`: (re)connected, or moved to a new master; `error`: a connection failed (repeats while down); `reset`: see `reset`. */
  on(event: 'ready', listener: () => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'reset', listener: (reason: RedisResetReason) => void): this;
  /**
   * The connection is out of step with Redis (a reply went to the wrong command): destroys the
   * client, rejecting everything queued on it (`ClientResetError`), and connects a fresh one in
   * the background, so no later command is answered with an earlier command's reply. `reply`: a
   * reply that showed it (from `get`/`mGet`); ignored when it came from a client already replaced,
   * so a burst of wrong replies from one connection replaces it once.
   */
  reset(reason: RedisResetReason, reply?: Buffer): void;
  /** Resolves once connected (or closed first); keeps trying meanwhile (Redis absent at boot). */
  connect(): Promise<void>;
  /** Graceful: waits for replies in flight. */
  close(): Promise<void>;
  destroy(): void;

  get(key: string): Promise<Buffer | null>;
  mGet(keys: readonly string[]): Promise<(Buffer | null)[]>;
  /** 'OK', or null when `NX` found the key present. */
  set(key: string, value: string | Buffer, options?: SetOptions): Promise<string | null>;
  /** All entries and their tag indexes, in MULTI transactions (one per slot group on a cluster). */
  writeEntries(entries: readonly EntryWrite[]): Promise<void>;
  /** Number of keys removed. */
  unlink(keys: string | readonly string[]): Promise<number>;
  /** One SCAN step; on a cluster the cursor also says which master the listing is on. */
  scan(cursor: string, match: string, count: number): Promise<ScanPage>;
  sMembers(key: string): Promise<string[]>;
  pTTL(key: string): Promise<number>;
  exists(key: string): Promise<number>;
  publish(channel: string, message: string): Promise<number>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  ping(): Promise<string>;
  /** INFO text (of one master on a cluster). */
  info(section?: string): Promise<string>;
  /** A new, separate connection for pub/sub on this deployment. */
  createSubscriber(): RedisSubscriber;
}
