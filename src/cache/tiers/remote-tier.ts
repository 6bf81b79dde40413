import { Logger } from '@nestjs/common';
import type { CacheEvents } from '../cache.events';
import { tagIndexKey } from '../cache-keys';
import { L2CircuitOpenError, L2TimeoutError, type L2Guard } from '../circuit-breaker';
import type { RedisClient } from '../redis-client.factory';

export interface RemoteWrite {
  key: string;
  bytes: Buffer;
  /** Hard lifetime in Redis (TTL + grace). */
  ttlMs: number;
  tags: readonly string[];
}

// Keys per UNLINK and per SCAN page: large enough to be cheap, small enough not to block Redis.
const BATCH = 500;
const RELEASE_IF_OWNER = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * L2: Redis through one node-redis client. Every call goes through `L2Guard` (deadline +
 * breaker) and no method throws: a failure is logged once per kind, counted as an event, and
 * reported to the caller as "no value" / `false`, so a Redis outage degrades to L1 + factory.
 * All keys are prefixed here; callers pass logical keys only, so nothing outside the prefix is
 * ever read, listed or deleted.
 */
export class RemoteTier {
  private readonly logger = new Logger(RemoteTier.name);
  private lastLogged = new Map<string, number>();

  constructor(
    private readonly client: RedisClient,
    private readonly guard: L2Guard,
    private readonly prefix: string,
    private readonly events: CacheEvents,
  ) {}

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

  /** One MGET round trip for all keys. */
  async getMany(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return [];
    const replies = await this.run('mget', undefined, () => this.client.mGet(keys.map((k) => this.prefix + k)));
    return replies ? replies.map((r) => r ?? undefined) : keys.map(() => undefined);
  }

  /** Writes all entries (and their tag index) in one pipelined MULTI round trip. */
  async setMany(writes: readonly RemoteWrite[]): Promise<boolean> {
    if (writes.length === 0) return true;
    const done = await this.run('set', false, async () => {
      const multi = this.client.multi();
      for (const w of writes) {
        const key = this.prefix + w.key;
        multi.set(key, w.bytes, { expiration: { type: 'PX', value: Math.max(1, Math.ceil(w.ttlMs)) } });
        for (const tag of w.tags) {
          const index = this.prefix + tagIndexKey(tag);
          multi.sAdd(index, key);
          // NX then GT: the index lives as long as its longest-lived member (Redis >= 7).
          multi.pExpire(index, Math.ceil(w.ttlMs), 'NX');
          multi.pExpire(index, Math.ceil(w.ttlMs), 'GT');
        }
      }
      await multi.exec();
      return true;
    });
    return done;
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
   * Deletes every key matching `pattern` (a Redis glob, applied inside the prefix) with SCAN and
   * batched UNLINK; never KEYS or FLUSHDB. Each page runs under the deadline; returns the count,
   * or undefined when Redis failed part way.
   */
  async deleteByPattern(pattern: string): Promise<number | undefined> {
    let deleted = 0;
    let cursor = '0';
    do {
      const page = await this.run('scan', undefined, () =>
        this.client.scan(cursor, { MATCH: this.prefix + pattern, COUNT: BATCH }),
      );
      if (!page) return undefined;
      cursor = String(page.cursor);
      if (page.keys.length > 0) {
        const ok = await this.run('unlink', undefined, () => this.client.unlink(page.keys.map(String)));
        if (ok === undefined) return undefined;
        deleted += ok;
      }
    } while (cursor !== '0');
    return deleted;
  }

  /** One SCAN page of logical keys matching `pattern` inside the prefix; cursor '0' ends. */
  async scanKeys(pattern: string, cursor: string, count: number): Promise<{ keys: string[]; cursor: string } | undefined> {
    const page = await this.run('scan', undefined, () => this.client.scan(cursor, { MATCH: this.prefix + pattern, COUNT: count }));
    if (!page) return undefined;
    return { keys: page.keys.map((k) => String(k).slice(this.prefix.length)), cursor: String(page.cursor) };
  }

  /** Keys under the prefix, counted with SCAN up to `cap` (the count is a lower bound when capped). */
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

  /** Server facts for operators: version, role, memory; never the connection URL. */
  async serverInfo(): Promise<Record<string, string> | undefined> {
    const text = await this.run('info', undefined, () => this.client.info());
    if (text === undefined) return undefined;
    const wanted = ['redis_version', 'redis_mode', 'role', 'used_memory', 'used_memory_human', 'maxmemory', 'maxmemory_policy', 'connected_clients', 'uptime_in_seconds'];
    const fields: Record<string, string> = {};
    for (const line of String(text).split('\r\n')) {
      const [name, value] = line.split(':', 2);
      if (wanted.includes(name)) fields[name] = value;
    }
    return fields;
  }

  /** Deletes the keys a tag indexes, and the index; returns the logical keys deleted. */
  async invalidateTag(tag: string): Promise<string[] | undefined> {
    const index = this.prefix + tagIndexKey(tag);
    const members = await this.run('smembers', undefined, () => this.client.sMembers(index));
    if (!members) return undefined;
    const keys = members.map(String);
    for (let i = 0; i < keys.length; i += BATCH) {
      const ok = await this.run('unlink', undefined, () => this.client.unlink(keys.slice(i, i + BATCH)));
      if (ok === undefined) return undefined;
    }
    await this.run('unlink', undefined, () => this.client.unlink(index));
    return keys.map((k) => k.slice(this.prefix.length));
  }

  /** `SET key token NX PX ttl`: true when acquired, false when someone holds it, undefined when Redis is unavailable. */
  async acquireLease(key: string, token: string, ttlMs: number): Promise<boolean | undefined> {
    const reply = await this.run('lease', undefined, () =>
      this.client.set(this.prefix + key, token, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } }),
    );
    return reply === undefined ? undefined : reply !== null;
  }

  /** Deletes a lease only if `token` still owns it (a late holder must not free someone else's). */
  async releaseLease(key: string, token: string): Promise<void> {
    await this.run('lease', undefined, () =>
      this.client.eval(RELEASE_IF_OWNER, { keys: [this.prefix + key], arguments: [token] }),
    );
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

  /** Closes the connection; bounded so a frozen Redis cannot hold up shutdown. */
  async close(timeoutMs = 1000): Promise<void> {
    this.guard.shutdown();
    if (!this.client.isOpen) return;
    if (!this.client.isReady) return this.client.destroy();
    const timer = new Promise<'timeout'>((resolve) => setTimeout(resolve, timeoutMs, 'timeout').unref());
    const result = await Promise.race([this.client.close().catch(() => undefined), timer]);
    if (result === 'timeout' && this.client.isOpen) this.client.destroy();
  }

  private async run<T, F>(operation: string, fallback: F, op: () => Promise<T>): Promise<T | F> {
    const started = performance.now();
    try {
      const result = await this.guard.run(op);
      this.events.emit('l2Latency', { operation, durationMs: performance.now() - started });
      return result;
    } catch (error) {
      const kind = error instanceof L2TimeoutError ? 'timeout' : error instanceof L2CircuitOpenError ? 'circuit-open' : 'error';
      this.events.emit('l2Error', { operation, kind });
      this.logThrottled(kind, `L2 ${operation} failed (${kind}): ${(error as Error).message}`);
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
