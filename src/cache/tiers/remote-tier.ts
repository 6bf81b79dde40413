import { Logger } from '@nestjs/common';
import type { CacheEvents } from '../cache.events';
import { tagIndexKey } from '../cache-keys';
import { isCacheKey } from '../key-namespace';
import { L2CircuitOpenError, L2TimeoutError, type L2Guard } from '../circuit-breaker';
import type { RedisTopology } from '../redis-topology';
import { ClientResetError } from '../topologies/reply-checks';
import { redisRefusalOf, type RedisFaults } from '../redis-faults';
import { ACQUIRE_LEASE, RELEASE_LEASE, tombstoneKey } from '../lease-scripts';

export interface RemoteWrite {
  key: string;
  bytes: Buffer;
  /** Hard lifetime in Redis (TTL + grace). */
  ttlMs: number;
  tags: readonly string[];
}

// Keys per UNLINK and per SCAN page: large enough to be cheap, small enough not to block Redis.
const BATCH = 500;
// Operations that write: what OOM, READONLY, MISCONF and NOPERM refusals (and their end) are judged by.
const WRITE_OPERATIONS = new Set(['set', 'lease', 'delete', 'unlink']);

/**
 * L2: Redis through the topology seam (standalone, Cluster or Sentinel; `redis-topology.ts`).
 * Every call goes through `L2Guard` (deadline + breaker) and no method throws: a failure is logged
 * once per kind, counted as an event, and reported to the caller as "no value" / `false`, so a
 * Redis outage degrades to L1 + factory. All keys are prefixed here; callers pass logical keys
 * only, so nothing outside the prefix is ever read, listed or deleted.
 */
export class RemoteTier {
  private readonly logger = new Logger(RemoteTier.name);
  private lastLogged = new Map<string, number>();
  /** The last call failed (and none has succeeded since). */
  private failing = false;
  /** Keys whose read was answered with another key's entry: deleted once a fresh client is connected. */
  private readonly rejectedKeys = new Set<string>();
  /** Lease releases that found no connection: sent once one is ready (key → token). */
  private readonly pendingReleases = new Map<string, string>();

  constructor(
    private readonly client: RedisTopology,
    private readonly guard: L2Guard,
    private readonly prefix: string,
    private readonly events: CacheEvents,
    /** Where refusals (OOM, READONLY, AUTH, …) are recorded for /health; none in unit set-ups. */
    private readonly faults?: RedisFaults,
  ) {
    client.on('ready', () => {
      this.deleteRejected();
      for (const [key, token] of this.pendingReleases) void this.releaseLease(key, token);
      this.pendingReleases.clear();
    });
  }

  /** Starts connecting in the background; the service never waits on Redis to boot. */
  connect(): void {
    this.client.connect().catch((error: Error) => this.logger.warn(`Redis connect failed: ${error.message}`));
  }

  get available(): boolean {
    return this.client.isReady && this.guard.state !== 'open';
  }

  async get(key: string): Promise<Buffer | undefined> {
    const reply = await this.run('get', undefined, () => this.client.get(this.prefix + key));
    return reply ?? undefined;
  }

  /**
   * `reply`, read under `key`, holds another key's entry: the connection answered the wrong
   * command. Replaces the client (once per connection, however many replies showed it) and
   * deletes `key` once the new one is ready: on the old connection the UNLINK would not be sent.
   */
  rejectReply(key: string, reply: Buffer): void {
    // Bounded: a key left out only skips a delete of an entry that expires by itself.
    if (this.rejectedKeys.size < BATCH) this.rejectedKeys.add(key);
    this.client.reset('entry-key-mismatch', reply);
    // A reply of a connection already replaced resets nothing: the current one may be ready now.
    if (this.client.isReady) this.deleteRejected();
  }

  private deleteRejected(): void {
    if (this.rejectedKeys.size === 0) return;
    const keys = [...this.rejectedKeys];
    this.rejectedKeys.clear();
    void this.delete(keys);
  }

  /** One MGET round trip for all keys (one per hash-slot group on a cluster, in parallel). */
  async getMany(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return [];
    const replies = await this.run('mget', undefined, () => this.client.mGet(keys.map((k) => this.prefix + k)));
    return replies ? replies.map((r) => r ?? undefined) : keys.map(() => undefined);
  }

  /** Writes all entries (and their tag index) in one MULTI round trip (one per slot group on a cluster). */
  async setMany(writes: readonly RemoteWrite[]): Promise<boolean> {
    if (writes.length === 0) return true;
    const entries = writes.map((w) => ({
      key: this.prefix + w.key,
      value: w.bytes,
      ttlMs: w.ttlMs,
      tagIndexes: w.tags.map((tag) => this.prefix + tagIndexKey(tag)),
    }));
    return this.run('set', false, async () => {
      await this.client.writeEntries(entries);
      return true;
    });
  }

  async delete(keys: readonly string[]): Promise<boolean> {
    if (keys.length === 0) return true;
    return this.run('delete', false, async () => {
      await this.client.unlink(keys.map((k) => this.prefix + k));
      return true;
    });
  }

  /** Remaining hard lifetime of a key in ms; -2 when absent, -1 without expiry, undefined on failure. */
  async pttl(key: string): Promise<number | undefined> {
    return this.run('pttl', undefined, () => this.client.pTTL(this.prefix + key));
  }

  /**
   * Deletes every cache key matching `pattern` (a Redis glob, applied inside the prefix) with SCAN and
   * batched UNLINK; never a whole-keyspace listing or flush, never a state key (`key-namespace.ts`).
   * On a cluster the SCAN cursor walks every master in turn.
   * Each page runs under the deadline; returns the count, or undefined when Redis failed part way.
   */
  async deleteByPattern(pattern: string, onDeleted?: (logicalKeys: string[]) => void): Promise<number | undefined> {
    let deleted = 0;
    let cursor = '0';
    do {
      const page = await this.run('scan', undefined, () => this.client.scan(cursor, this.prefix + pattern, BATCH));
      if (!page) return undefined;
      cursor = page.cursor;
      const keys = this.cacheKeysOf(page.keys);
      if (keys.length > 0) {
        const ok = await this.run('unlink', undefined, () => this.client.unlink(keys));
        if (ok === undefined) return undefined;
        deleted += ok;
        onDeleted?.(keys.map((k) => k.slice(this.prefix.length)));
      }
    } while (cursor !== '0');
    return deleted;
  }

  /**
   * One SCAN page of logical cache keys matching `pattern` inside the prefix (state keys left out);
   * cursor '0' ends. On a cluster the cursor is composite (which master, and its cursor) and still all digits.
   */
  async scanKeys(pattern: string, cursor: string, count: number): Promise<{ keys: string[]; cursor: string } | undefined> {
    const page = await this.run('scan', undefined, () => this.client.scan(cursor, this.prefix + pattern, count));
    if (!page) return undefined;
    return { keys: this.cacheKeysOf(page.keys).map((k) => k.slice(this.prefix.length)), cursor: page.cursor };
  }

  // SCAN's MATCH cannot exclude: `*` also matches `{prefix}state:…`, so the cache's keys are picked here.
  private cacheKeysOf(keys: readonly string[]): string[] {
    return keys.filter((k) => k.startsWith(this.prefix) && isCacheKey(k.slice(this.prefix.length)));
  }

  /** Cache keys under the prefix, counted with SCAN up to `cap` (the count is a lower bound when capped). */
  async countKeys(cap: number): Promise<{ count: number; capped: boolean } | undefined> {
    let count = 0;
    let cursor = '0';
    do {
      const page = await this.scanKeys('*', cursor, BATCH * 2);
      if (!page) return undefined;
      count += page.keys.length;
      cursor = page.cursor;
    } while (cursor !== '0' && count < cap);
    return { count, capped: cursor !== '0' };
  }

  /** Server facts for operators: topology, version, role, memory (of one master on a cluster); never the connection URL. */
  async serverInfo(): Promise<Record<string, string> | undefined> {
    const text = await this.run('info', undefined, () => this.client.info());
    if (text === undefined) return undefined;
    const wanted = ['redis_version', 'redis_mode', 'role', 'used_memory', 'used_memory_human', 'maxmemory', 'maxmemory_policy', 'connected_clients', 'uptime_in_seconds'];
    const fields: Record<string, string> = { topology: this.client.kind };
    for (const line of text.split('\r\n')) {
      const [name, value] = line.split(':', 2);
      if (wanted.includes(name)) fields[name] = value;
    }
    return fields;
  }

  /**
   * Deletes the keys a tag indexes, and the index; returns the logical keys deleted. On a cluster
   * the index and its members live in different slots: members are unlinked per slot group (in
   * parallel), then the index. Not atomic: a member written meanwhile may outlive the index, and
   * a failure part way leaves the index for the next invalidation.
   */
  async invalidateTag(tag: string): Promise<string[] | undefined> {
    const index = this.prefix + tagIndexKey(tag);
    const keys = await this.run('smembers', undefined, () => this.client.sMembers(index));
    if (!keys) return undefined;
    for (let i = 0; i < keys.length; i += BATCH) {
      const ok = await this.run('unlink', undefined, () => this.client.unlink(keys.slice(i, i + BATCH)));
      if (ok === undefined) return undefined;
    }
    await this.run('unlink', undefined, () => this.client.unlink(index));
    return keys.map((k) => k.slice(this.prefix.length));
  }

  /**
   * `SET key token NX PX ttl`: true when acquired, false when someone holds it, undefined when Redis
   * is unavailable. Skipped (undefined) right after a failed call: a cold miss usually follows an
   * L2 read that just timed out, and until the breaker has seen enough failures to open, another
   * deadline spent on the lease would double that request's wait (seen at a Sentinel failover).
   */
  async acquireLease(key: string, token: string, ttlMs: number): Promise<boolean | undefined> {
    if (this.failing) return undefined;
    // One script that refuses a token already released: correct even when the release overtook it (lease-scripts.ts).
    const full = this.prefix + key;
    const reply = await this.run('lease', undefined, () => this.client.eval(ACQUIRE_LEASE, { keys: [full, tombstoneKey(full, token)], arguments: [token, String(ttlMs)] }));
    return reply === undefined ? undefined : Number(reply) === 1;
  }

  /**
   * Deletes a lease only if `token` still owns it (a late holder must not free someone else's).
   * Outside the breaker and the deadline: nobody awaits a release, and one sent while Redis is
   * frozen must still reach it, queued right after the SET it undoes. Through the breaker it was
   * dropped while open, and the lease outlived the freeze by `leaseMs`, making every waiter on
   * that key wait `waitMs` for a value that was never coming.
   */
  async releaseLease(key: string, token: string, tombstoneMs = 10_000): Promise<void> {
    // The SET NX it undoes may have reached Redis on a client replaced since (reset): release on the next one.
    if (!this.client.isReady) return this.releaseWhenReady(key, token);
    try {
      // Leaves a tombstone for the token (tombstoneMs, the lease's own lifetime): an acquire that arrives later is refused.
      const full = this.prefix + key;
      await this.client.eval(RELEASE_LEASE, { keys: [full, tombstoneKey(full, token)], arguments: [token, String(tombstoneMs)] });
    } catch (error) {
      // Otherwise the lease expires by itself after leaseMs.
      if (error instanceof ClientResetError) this.releaseWhenReady(key, token);
    }
  }

  // Bounded: a release left out only lets that lease run its course (leaseMs).
  private releaseWhenReady(key: string, token: string): void {
    if (this.pendingReleases.size < BATCH) this.pendingReleases.set(key, token);
  }

  async exists(key: string): Promise<boolean | undefined> {
    const reply = await this.run('exists', undefined, () => this.client.exists(this.prefix + key));
    return reply === undefined ? undefined : reply > 0;
  }

  async publish(channel: string, message: string): Promise<boolean> {
    return (await this.run('publish', undefined, () => this.client.publish(this.prefix + channel, message))) !== undefined;
  }

  /** Round trip in ms, or undefined when Redis does not answer within the deadline. */
  async ping(): Promise<number | undefined> {
    const start = performance.now();
    const ok = await this.run('ping', undefined, () => this.client.ping());
    return ok === undefined ? undefined : performance.now() - start;
  }

  /** Closes the connection(s); bounded so a frozen Redis cannot hold up shutdown. */
  async close(timeoutMs = 1000): Promise<void> {
    this.guard.shutdown();
    // Not open: maybe between connect attempts (Cluster, Sentinel); destroy stops those too.
    if (!this.client.isOpen) return this.client.destroy();
    if (!this.client.isReady) return this.client.destroy();
    const timer = new Promise<'timeout'>((resolve) => setTimeout(resolve, timeoutMs, 'timeout').unref());
    const result = await Promise.race([this.client.close().catch(() => undefined), timer]);
    if (result === 'timeout' && this.client.isOpen) this.client.destroy();
  }

  private async run<T, F>(operation: string, fallback: F, op: () => Promise<T>): Promise<T | F> {
    const started = performance.now();
    // Not connected (booting, or reconnecting after a drop): answer at once, outside the breaker.
    // Such calls cost nothing, and counting them would open the breaker at every pod start and
    // keep the service on memory for a window after Redis is back.
    if (!this.client.isReady) {
      this.events.emit('l2Error', { operation, kind: 'error' });
      this.logThrottled('offline', `L2 ${operation} skipped: Redis not connected`);
      return fallback;
    }
    try {
      const result = await this.guard.run(op);
      this.failing = false;
      this.faults?.authSucceeded();
      if (WRITE_OPERATIONS.has(operation)) this.faults?.writeSucceeded();
      this.events.emit('l2Latency', { operation, durationMs: performance.now() - started });
      return result;
    } catch (error) {
      this.failing = true;
      const kind = error instanceof L2TimeoutError ? 'timeout' : error instanceof L2CircuitOpenError ? 'circuit-open' : 'error';
      this.events.emit('l2Error', { operation, kind });
      // Redis answered, refusing: recorded for /health and counted by reason, logged under its own kind.
      const refusal = redisRefusalOf(error);
      if (refusal && (refusal === 'AUTH' || WRITE_OPERATIONS.has(operation))) {
        this.faults?.refused(refusal, (error as Error).message);
        this.events.emit('redisRefused', { operation, reason: refusal });
      }
      this.logThrottled(refusal ?? kind, `L2 ${operation} failed (${refusal ?? kind}): ${(error as Error).message}`);
      return fallback;
    }
  }

  // An outage produces thousands of identical failures: log each kind at most every 10 s.
  private logThrottled(kind: string, message: string): void {
    const now = Date.now();
    if (now - (this.lastLogged.get(kind) ?? 0) < 10_000) return;
    this.lastLogged.set(kind, now);
    this.logger.warn(message);
  }
}
