import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { CorruptEntryError, decodeEntry, encodeEntry, entryState, type CacheEntry } from './cache-entry';
import type { CacheEvents } from './cache.events';
import { policyOfKey } from './cache-keys';
import type { PolicySettings, PolicyName } from './cache-policies';
import { DependencyTracker, StaleInputsError } from './dependency-tracker';
import type { DistributedLock } from './distributed-lock';
import { globToRegExp } from './glob';
import { HotKeys } from './hot-keys';
import { SingleFlight } from './single-flight';
import type { LocalEntry, LocalTier } from './tiers/local-tier';
import type { RemoteTier, RemoteWrite } from './tiers/remote-tier';

/** Where a value came from: a tier, a fresh factory run, or a graced (stale) entry. */
export type CacheSource = 'l1' | 'l2' | 'factory' | 'stale';

/** A value with its provenance and clock, for headers (`X-Cache`, `Age`) and callers that care. */
export interface CacheResult<T> {
  value: T;
  source: CacheSource;
  createdAt: number;
  staleAt: number;
  expiresAt: number;
}

/** Handed to factories: what they may know and decide about the entry they produce. */
export interface FactoryContext<T> {
  /** The graced value being refreshed, if any. */
  readonly stale?: T;
  /** Adaptive TTL: overrides the policy TTL for this value (ms). */
  setTtl(ms: number): void;
  /** Return the value without caching it (e.g. a partial upstream answer). */
  skipCache(): void;
}

export type Factory<T> = (ctx: FactoryContext<T>) => Promise<T> | T;

export interface WriteOptions<T> {
  /** TTL in ms, or chosen from the value (adaptive TTL). @default the policy's TTL */
  ttlMs?: number | ((value: T) => number);
  /** @default the policy's grace */
  graceMs?: number;
  tags?: readonly string[];
}

export interface WrapOptions<T> extends WriteOptions<T> {
  /** Skip the tiers and run the factory now (its result replaces the cached one). */
  forceRefresh?: boolean;
}

// After a failed background refresh, serve stale without retrying for this long (per key).
const REFRESH_BACKOFF_MS = 5_000;

/**
 * The two tiers and the factory, in order: L1, then L2 (backfilling L1 with L2's remaining
 * lifetime, never more), then the factory once per key per process. Expired-but-graced values
 * are served marked stale while one background refresh runs. L2 trouble never surfaces here:
 * the remote tier reports it as a miss.
 */
export class CacheStack {
  private readonly logger = new Logger(CacheStack.name);
  private readonly flights = new SingleFlight();
  private readonly refreshes = new SingleFlight();
  private readonly refreshBackoff = new LRUCache<string, true>({ max: 10_000, ttl: REFRESH_BACKOFF_MS });
  private readonly dependencies = new DependencyTracker();
  /** The most requested keys, and how to recompute them (refresh-ahead, admin stats). */
  readonly hotKeys: HotKeys;

  constructor(
    readonly local: LocalTier,
    readonly remote: RemoteTier | undefined,
    private readonly policies: Record<PolicyName, PolicySettings>,
    readonly events: CacheEvents,
    private readonly now: () => number = Date.now,
    private readonly lock?: DistributedLock,
  ) {
    this.hotKeys = new HotKeys(10_000, 2_000, now);
  }

  async getOrSet<T>(policy: PolicyName, key: string, factory: Factory<T>, options: WrapOptions<T> = {}): Promise<CacheResult<T>> {
    if (!options.forceRefresh) {
      this.hotKeys.record(key, { policy, factory: factory as Factory<unknown>, options: options as WrapOptions<unknown> });
      const l1 = this.local.get(key);
      if (l1 && this.now() < l1.staleAt) {
        this.events.emit('hit', { policy: policyOfKey(key), tier: 'l1' });
        return this.tracked(this.fromLocal<T>(l1, 'l1'));
      }
    }
    const flight = this.flights.run(key, () => this.resolveSlow(policy, key, factory, options));
    if (flight.joined) this.events.emit('coalesced', { policy: policyOfKey(key) });
    return this.tracked(await flight.promise);
  }

  /** A fresh value from L1 or L2 (backfilling L1), or a graced one with `allowStale`. */
  async get<T>(key: string, allowStale = false): Promise<CacheResult<T> | undefined> {
    this.hotKeys.record(key);
    const l1 = this.local.get(key);
    const now = this.now();
    if (l1 && now < l1.staleAt) {
      this.events.emit('hit', { policy: policyOfKey(key), tier: 'l1' });
      return this.tracked(this.fromLocal<T>(l1, 'l1'));
    }
    const l2 = await this.readRemote<T>(key);
    if (l2?.source === 'l2') return this.tracked(l2);
    const graced = l2 ?? (l1 ? this.fromLocal<T>(l1, 'stale') : undefined);
    if (allowStale && graced) return this.tracked(graced);
    this.events.emit('miss', { policy: policyOfKey(key) });
    return undefined;
  }

  /** Fresh values for many keys: L1 first, then one MGET for the rest. */
  async getMany<T>(keys: readonly string[]): Promise<(CacheResult<T> | undefined)[]> {
    const now = this.now();
    const results: (CacheResult<T> | undefined)[] = keys.map((key) => {
      const l1 = this.local.get(key);
      if (!l1 || now >= l1.staleAt) return undefined;
      this.events.emit('hit', { policy: policyOfKey(key), tier: 'l1' });
      return this.fromLocal<T>(l1, 'l1');
    });
    const missing = keys.filter((_, i) => results[i] === undefined);
    const replies = this.remote ? await this.remote.getMany(missing) : missing.map(() => undefined);
    let next = 0;
    for (let i = 0; i < keys.length; i++) {
      if (results[i] !== undefined) continue;
      const found = this.acceptRemote<T>(keys[i], replies[next++]);
      results[i] = found?.source === 'l2' ? found : undefined;
      if (!results[i]) this.events.emit('miss', { policy: policyOfKey(keys[i]) });
    }
    for (const result of results) if (result) this.tracked(result);
    return results;
  }

  async set<T>(policy: PolicyName, key: string, value: T, options: WriteOptions<T> = {}): Promise<void> {
    await this.setMany([{ policy, key, value, options: options as WriteOptions<unknown> }]);
  }

  /** Writes L1 at once and L2 in one pipelined round trip. */
  async setMany(items: readonly { policy: PolicyName; key: string; value: unknown; options?: WriteOptions<unknown> }[]): Promise<void> {
    const writes = items.map((item) => this.store(item.policy, item.key, item.value, item.options ?? {}));
    await this.remote?.setMany(writes);
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.local.delete(key);
    await this.remote?.delete(keys);
    this.events.emit('deleted', { keys });
  }

  /** Drops every entry tagged `tag` from both tiers; returns how many L2 keys went (L1 count when L2 is down). */
  async invalidateTag(tag: string): Promise<number> {
    const local = this.local.deleteWhere((_, entry) => entry.tags.includes(tag));
    const remote = await this.remote?.invalidateTag(tag);
    const count = remote?.length ?? local;
    this.events.emit('invalidated', { tag, count });
    return count;
  }

  /** Deletes keys matching a Redis glob inside the prefix from both tiers (SCAN + UNLINK in L2). */
  async deleteByPattern(pattern: string): Promise<number> {
    const regex = globToRegExp(pattern);
    const local = this.local.deleteWhere((key) => regex.test(key));
    const remote = await this.remote?.deleteByPattern(pattern);
    const count = remote ?? local;
    this.events.emit('invalidated', { pattern, count });
    return count;
  }

  private async resolveSlow<T>(policy: PolicyName, key: string, factory: Factory<T>, options: WrapOptions<T>): Promise<CacheResult<T>> {
    if (options.forceRefresh) return this.runFactory(policy, key, factory, options, undefined, false);
    const l1 = this.local.get(key);
    const fromL2 = await this.readRemote<T>(key);
    if (fromL2?.source === 'l2') return fromL2;
    const graced = newest(fromL2, l1 && this.now() < l1.expiresAt ? this.fromLocal<T>(l1, 'stale') : undefined);
    if (graced) {
      const backingOff = this.refreshBackoff.has(key);
      if (!backingOff && this.dependencies.inBackgroundRefresh()) {
        const refresh = this.refreshes.run(key, () => this.runFactory(policy, key, factory, options, graced.value, true));
        const refreshed = await refresh.promise.catch(() => {
          this.refreshBackoff.set(key, true);
          return undefined;
        });
        if (refreshed) return refreshed;
      } else if (!backingOff) this.refreshInBackground(policy, key, factory, options, graced.value);
      this.events.emit('stale', { policy: policyOfKey(key), reason: backingOff ? 'factory-error' : 'refreshing' });
      return graced;
    }
    this.events.emit('miss', { policy: policyOfKey(key) });
    return this.lock ? this.runUnderLease(policy, key, factory, options) : this.runFactory(policy, key, factory, options, undefined, false);
  }

  /** A cold miss across replicas: one computes under a Redis lease, the others wait for its value in L2. */
  private async runUnderLease<T>(policy: PolicyName, key: string, factory: Factory<T>, options: WrapOptions<T>): Promise<CacheResult<T>> {
    const lock = this.lock!;
    const lease = await lock.acquire(key);
    if (lease.held) {
      try {
        return await this.runFactory(policy, key, factory, options, undefined, false, true);
      } finally {
        void lock.release(key, lease.token);
      }
    }
    if (lease.busy) {
      const fromHolder = await lock.waitFor(key, async () => {
        const found = await this.readRemote<T>(key);
        return found?.source === 'l2' ? found : undefined;
      });
      if (fromHolder) {
        this.events.emit('coalesced', { policy: policyOfKey(key) });
        return fromHolder;
      }
    }
    return this.runFactory(policy, key, factory, options, undefined, false);
  }

  private refreshInBackground<T>(policy: PolicyName, key: string, factory: Factory<T>, options: WrapOptions<T>, stale: T): void {
    const { promise } = this.refreshes.run(key, () => this.runFactory(policy, key, factory, options, stale, true));
    promise.catch((error: Error) => {
      this.refreshBackoff.set(key, true);
      this.logger.warn(`Background refresh of ${key} failed, serving stale: ${error.message}`);
    });
  }

  private async runFactory<T>(
    policy: PolicyName,
    key: string,
    factory: Factory<T>,
    options: WrapOptions<T>,
    stale: T | undefined,
    background: boolean,
    awaitRemoteWrite = false,
  ): Promise<CacheResult<T>> {
    let ttlOverride: number | undefined;
    let skip = false;
    const ctx: FactoryContext<T> = { stale, setTtl: (ms) => (ttlOverride = ms), skipCache: () => (skip = true) };
    const started = performance.now();
    let value: T;
    let inputs: { staleAt: number; stale: boolean };
    try {
      ({ value, frame: inputs } = await this.dependencies.run(() => factory(ctx), background));
      if (inputs.stale && background) throw new StaleInputsError(key);
    } catch (error) {
      this.events.emit('factory', { policy: policyOfKey(key), durationMs: performance.now() - started, ok: false, background });
      throw error;
    }
    this.events.emit('factory', { policy: policyOfKey(key), durationMs: performance.now() - started, ok: true, background });
    this.refreshBackoff.delete(key);
    const now = this.now();
    // Built from stale inputs: answer, marked stale, but do not cache it as fresh.
    if (inputs.stale) return { value, source: 'stale', createdAt: now, staleAt: now, expiresAt: now };
    if (skip) return { value, source: 'factory', createdAt: now, staleAt: now, expiresAt: now };
    const ttlMs = this.ttlOf(policy, value, ttlOverride ?? options.ttlMs);
    // Never fresher than the cached inputs it was computed from.
    const cappedTtl = Math.min(ttlMs, inputs.staleAt - now);
    if (cappedTtl <= 0) return { value, source: 'factory', createdAt: now, staleAt: now, expiresAt: now };
    const write = this.store(policy, key, value, { ...options, ttlMs: cappedTtl });
    // Not awaited (unless a lease holder must publish before releasing): a slow or frozen Redis must
    // not delay the answer; the write is bounded and never throws.
    const remoteWrite = this.remote?.setMany([write]);
    if (awaitRemoteWrite) await remoteWrite;
    return { value, source: 'factory', createdAt: write.createdAt, staleAt: write.staleAt, expiresAt: write.expiresAt };
  }

  /** Encodes and writes L1; returns the L2 write for the caller to send. */
  private ttlOf<T>(policy: PolicyName, value: T, ttl: WriteOptions<T>['ttlMs']): number {
    return typeof ttl === 'function' ? ttl(value) : (ttl ?? this.policies[policy].ttlMs);
  }

  private tracked<T>(result: CacheResult<T>): CacheResult<T> {
    this.dependencies.record(result);
    return result;
  }

  private store<T>(policy: PolicyName, key: string, value: T, options: WriteOptions<T>): RemoteWrite & CacheEntry<T> {
    const table = this.policies[policy];
    const ttlMs = this.ttlOf(policy, value, options.ttlMs);
    const graceMs = options.graceMs ?? table.graceMs;
    const createdAt = this.now();
    const entry: CacheEntry<T> = {
      value,
      createdAt,
      staleAt: createdAt + ttlMs,
      expiresAt: createdAt + ttlMs + graceMs,
      tags: [...table.tags, ...(options.tags ?? [])],
    };
    const bytes = encodeEntry(entry);
    this.local.set(key, { ...entry, bytes }, createdAt);
    this.events.emit('written', { keys: [key] });
    return { ...entry, key, bytes, ttlMs: ttlMs + graceMs };
  }

  /** Reads L2; a fresh or graced entry backfills L1 with its remaining lifetime. */
  private async readRemote<T>(key: string): Promise<CacheResult<T> | undefined> {
    if (!this.remote) return undefined;
    return this.acceptRemote<T>(key, await this.remote.get(key));
  }

  private acceptRemote<T>(key: string, bytes: Buffer | undefined): CacheResult<T> | undefined {
    if (!bytes) return undefined;
    let entry: CacheEntry<T>;
    try {
      entry = decodeEntry<T>(bytes);
    } catch (error) {
      if (!(error instanceof CorruptEntryError)) throw error;
      // A foreign or corrupt value is a miss, and is removed so it cannot keep failing.
      this.events.emit('l2Error', { operation: 'decode', kind: 'corrupt' });
      void this.remote?.delete([key]);
      return undefined;
    }
    const now = this.now();
    const state = entryState(entry, now);
    if (state === 'expired') return undefined;
    this.local.set(key, { createdAt: entry.createdAt, staleAt: entry.staleAt, expiresAt: entry.expiresAt, tags: entry.tags, bytes }, now);
    if (state === 'fresh') this.events.emit('hit', { policy: policyOfKey(key), tier: 'l2' });
    return { ...entry, source: state === 'fresh' ? 'l2' : 'stale' };
  }

  private fromLocal<T>(entry: LocalEntry, source: CacheSource): CacheResult<T> {
    const { value } = decodeEntry<T>(entry.bytes);
    return { value, source, createdAt: entry.createdAt, staleAt: entry.staleAt, expiresAt: entry.expiresAt };
  }
}

function newest<T>(a: CacheResult<T> | undefined, b: CacheResult<T> | undefined): CacheResult<T> | undefined {
  if (!a || !b) return a ?? b;
  return a.createdAt >= b.createdAt ? a : b;
}
