import type { CacheEvents } from './cache.events';
import { policyOfKey } from './cache-keys';
import type { LifetimeFn, PolicyName, PolicySettings } from './cache-policies';
import type { CacheResult, Factory, WrapOptions, WriteOptions } from './cache.types';
import type { DistributedLock } from './distributed-lock';
import { keyTag, symbolTag, WIDE_TAG } from './dependency-tags';
import { FactoryRunner } from './factory-runner';
import { globToRegExp } from './glob';
import { HotKeys } from './hot-keys';
import { InvalidationLog } from './invalidation-log';
import { UNSCOPED, type KeyScoper } from './key-scope';
import { SingleFlight } from './single-flight';
import { TierIO } from './tier-io';
import type { LocalEntry, LocalTier } from './tiers/local-tier';
import type { RemoteTier } from './tiers/remote-tier';

// A late write from a factory that read the old data lands within this; a second pass removes it.
const SECOND_PASS_MS = 1_000;
// A pattern delete may drop thousands of keys, each possibly an input of others.
const TAG_READS_IN_PARALLEL = 16;
const TAGS_PER_EVENT = 500;

export type { CacheResult, CacheSource, Factory, FactoryContext, WrapOptions, WriteOptions } from './cache.types';

/**
 * The two tiers and the factory, in order: L1, then L2 (backfilling L1 with L2's remaining
 * lifetime, never more), then the factory once per key per process. Expired-but-graced values
 * are served marked stale while one background refresh runs. L2 trouble never surfaces here:
 * the remote tier reports it as a miss.
 */
export class CacheStack {
  private readonly flights = new SingleFlight();
  private readonly io: TierIO;
  private readonly runner: FactoryRunner;
  private readonly invalidations = new InvalidationLog();
  /** The most requested keys, and how to recompute them (refresh-ahead, admin stats). */
  readonly hotKeys: HotKeys;

  constructor(
    readonly local: LocalTier,
    readonly remote: RemoteTier | undefined,
    policies: Record<PolicyName, PolicySettings>,
    readonly events: CacheEvents,
    /** The cache's clock (`CacheModuleOptions.now`, the service's `Clock`). */
    readonly now: () => number = Date.now,
    lock?: DistributedLock,
    /** Puts the source generation into every key (`key-scope.ts`); every entry point applies it. */
    readonly keys: KeyScoper = UNSCOPED,
    /** Lifetimes that follow the exchange calendar (`CacheModuleOptions.lifetime`); none: policy TTLs as given. */
    lifetime?: LifetimeFn,
  ) {
    this.hotKeys = new HotKeys(10_000, 2_000, now);
    this.io = new TierIO(local, remote, policies, events, now, lifetime);
    this.runner = new FactoryRunner(this.io, events, now, this.invalidations, lock);
    // Another replica's invalidation reaches factories running here too (the bus drops L1 itself).
    events.on('invalidated', ({ remote: fromBus, tag, tags, pattern }) => {
      if (!fromBus) return;
      if (tag !== undefined) this.invalidations.invalidateTags([tag]);
      if (tags !== undefined) this.invalidations.invalidateTags(tags);
      if (pattern !== undefined) this.invalidations.invalidateAll();
    });
  }

  async getOrSet<T>(policy: PolicyName, logicalKey: string, factory: Factory<T>, options: WrapOptions<T> = {}): Promise<CacheResult<T>> {
    const key = this.keys.scope(logicalKey);
    if (!options.forceRefresh) {
      this.hotKeys.record(key, { policy, factory: factory as Factory<unknown>, options: options as WrapOptions<unknown> });
      const l1 = this.local.get(key);
      if (l1 && this.now() < l1.staleAt) {
        this.events.emit('hit', { policy: policyOfKey(key), tier: 'l1' });
        return this.tracked(this.io.fromLocal<T>(l1, 'l1'), key);
      }
    }
    const flight = this.flights.run(key, () => this.resolveSlow(policy, key, factory, options));
    if (flight.joined) this.events.emit('coalesced', { policy: policyOfKey(key) });
    return this.tracked(await flight.promise, key);
  }

  /**
   * The fresh L1 entry of `key`, synchronously and still encoded, counted like a `wrap` hit; else
   * undefined (the caller then takes the full path). For the HTTP fast path, which keeps the
   * decoded response per entry object instead of decoding the bytes on every hit. `key` must
   * already be scoped (`keys.scope`): the fast path keeps scoped keys per URL.
   */
  peekLocal(key: string): LocalEntry | undefined {
    const l1 = this.local.get(key);
    if (!l1 || this.now() >= l1.staleAt) return undefined;
    this.hotKeys.record(key);
    this.events.emit('hit', { policy: policyOfKey(key), tier: 'l1' });
    return l1;
  }

  /** A fresh value from L1 or L2 (backfilling L1), or a graced one with `allowStale`. */
  async get<T>(logicalKey: string, allowStale = false): Promise<CacheResult<T> | undefined> {
    const key = this.keys.scope(logicalKey);
    this.hotKeys.record(key);
    const l1 = this.local.get(key);
    const now = this.now();
    if (l1 && now < l1.staleAt) {
      this.events.emit('hit', { policy: policyOfKey(key), tier: 'l1' });
      return this.tracked(this.io.fromLocal<T>(l1, 'l1'), key);
    }
    const l2 = await this.io.readRemote<T>(key);
    if (l2?.source === 'l2') return this.tracked(l2, key);
    const graced = l2 ?? (l1 ? this.io.fromLocal<T>(l1, 'stale') : undefined);
    if (allowStale && graced) return this.tracked(graced, key);
    this.events.emit('miss', { policy: policyOfKey(key) });
    return undefined;
  }

  /** Fresh values for many keys: L1 first, then one MGET for the rest. */
  async getMany<T>(logicalKeys: readonly string[]): Promise<(CacheResult<T> | undefined)[]> {
    const keys = logicalKeys.map((key) => this.keys.scope(key));
    const now = this.now();
    const results: (CacheResult<T> | undefined)[] = keys.map((key) => {
      const l1 = this.local.get(key);
      if (!l1 || now >= l1.staleAt) return undefined;
      this.events.emit('hit', { policy: policyOfKey(key), tier: 'l1' });
      return this.io.fromLocal<T>(l1, 'l1');
    });
    const missing = keys.filter((_, i) => results[i] === undefined);
    const replies = this.remote ? await this.remote.getMany(missing) : missing.map(() => undefined);
    let next = 0;
    for (let i = 0; i < keys.length; i++) {
      if (results[i] !== undefined) continue;
      const found = this.io.acceptRemote<T>(keys[i], replies[next++]);
      results[i] = found?.source === 'l2' ? found : undefined;
      if (!results[i]) this.events.emit('miss', { policy: policyOfKey(keys[i]) });
    }
    results.forEach((result, i) => result && this.tracked(result, keys[i]));
    return results;
  }

  async set<T>(policy: PolicyName, key: string, value: T, options: WriteOptions<T> = {}): Promise<void> {
    await this.setMany([{ policy, key, value, options: options as WriteOptions<unknown> }]);
  }

  /** Writes L1 at once and L2 in one pipelined round trip. */
  async setMany(items: readonly { policy: PolicyName; key: string; value: unknown; options?: WriteOptions<unknown> }[]): Promise<void> {
    const writes = items.map((item) => this.io.store(item.policy, this.keys.scope(item.key), item.value, item.options ?? {}));
    await this.remote?.setMany(writes);
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  async delete(logicalKeys: readonly string[]): Promise<void> {
    const keys = logicalKeys.map((key) => this.keys.scope(key));
    for (const key of keys) this.local.delete(key);
    await this.remote?.delete(keys);
    this.events.emit('deleted', { keys });
  }

  /** Drops every entry tagged `tag` from both tiers; returns how many L2 keys went (L1 count when L2 is down). */
  async invalidateTag(tag: string): Promise<number> {
    this.invalidations.invalidateTags([tag]);
    const local = this.local.deleteWhere((_, entry) => entry.tags.includes(tag));
    const remote = await this.remote?.invalidateTag(tag);
    const count = remote?.length ?? local;
    this.events.emit('invalidated', { tag, count });
    return count;
  }

  /** Records an input of the running factory that is not a cached value (an upstream read). */
  dependsOn(tag: string): void {
    this.runner.dependencies.dependsOn(tag);
  }

  /**
   * Drops the entries built from `symbol` (tag `sym:{SYMBOL}`) and the wide ones (built from many
   * symbols). Once more a second later: a factory on another replica that read the old data may
   * land its write in L2 between our delete and the bus message that tells it to hold it back.
   */
  async invalidateSymbol(symbol: string): Promise<number> {
    const tags = [symbolTag(symbol), WIDE_TAG];
    const count = await this.invalidateTags(tags);
    setTimeout(() => void this.invalidateTags(tags), SECOND_PASS_MS).unref();
    return count;
  }

  /**
   * Deletes keys matching a Redis glob inside the prefix from both tiers (SCAN + UNLINK in L2),
   * and the entries built from them (their `key:` dependency tags, and the wide ones).
   */
  async deleteByPattern(logicalPattern: string): Promise<number> {
    // `v1:price:*` means this generation's prices; `*AAPL*` or `v1:*` reach every generation.
    const pattern = this.keys.scope(logicalPattern);
    this.invalidations.invalidateAll();
    const regex = globToRegExp(pattern);
    const deletedKeys = new Set<string>();
    const local = this.local.deleteWhere((key) => regex.test(key) && deletedKeys.add(key) !== undefined);
    const remote = await this.remote?.deleteByPattern(pattern, (keys) => keys.forEach((key) => deletedKeys.add(key)));
    const count = remote ?? local;
    this.events.emit('invalidated', { pattern, count });
    const dependents = [...deletedKeys].filter((key) => !key.startsWith('tag:')).map(keyTag);
    await this.invalidateTags([...dependents, WIDE_TAG]);
    return count;
  }

  /** Drops the entries carrying any of `tags`: one pass over L1, bounded parallel tag reads in L2, one bus message per batch. */
  private async invalidateTags(tags: readonly string[]): Promise<number> {
    this.invalidations.invalidateTags(tags);
    const wanted = new Set(tags);
    let count = this.local.deleteWhere((_, entry) => entry.tags.some((tag) => wanted.has(tag)));
    const remote = this.remote;
    if (remote) {
      const queue = [...tags];
      const worker = async () => {
        for (let tag = queue.pop(); tag !== undefined; tag = queue.pop()) count += (await remote.invalidateTag(tag))?.length ?? 0;
      };
      await Promise.all(Array.from({ length: Math.min(TAG_READS_IN_PARALLEL, queue.length) }, worker));
    }
    for (let i = 0; i < tags.length; i += TAGS_PER_EVENT) this.events.emit('invalidated', { tags: tags.slice(i, i + TAGS_PER_EVENT), count });
    return count;
  }

  private async resolveSlow<T>(policy: PolicyName, key: string, factory: Factory<T>, options: WrapOptions<T>): Promise<CacheResult<T>> {
    if (options.forceRefresh) return this.runner.run(policy, key, factory, options, undefined, false);
    const l1 = this.local.get(key);
    const fromL2 = await this.io.readRemote<T>(key);
    if (fromL2?.source === 'l2') return fromL2;
    const graced = newest(fromL2, l1 && this.now() < l1.expiresAt ? this.io.fromLocal<T>(l1, 'stale') : undefined);
    if (!graced) {
      this.events.emit('miss', { policy: policyOfKey(key) });
      return this.runner.miss(policy, key, factory, options);
    }
    const backingOff = this.runner.isBackingOff(key);
    if (!backingOff && this.runner.dependencies.inBackgroundRefresh()) {
      const refreshed = await this.runner.refreshInPlace(policy, key, factory, options, graced.value);
      if (refreshed) return refreshed;
    } else if (!backingOff) this.runner.refreshInBackground(policy, key, factory, options, graced.value);
    this.events.emit('stale', { policy: policyOfKey(key), reason: backingOff ? 'factory-error' : 'refreshing' });
    return graced;
  }

  private tracked<T>(result: CacheResult<T>, key: string): CacheResult<T> {
    this.runner.dependencies.record(result, key);
    return result;
  }
}

function newest<T>(a: CacheResult<T> | undefined, b: CacheResult<T> | undefined): CacheResult<T> | undefined {
  if (!a || !b) return a ?? b;
  return a.createdAt >= b.createdAt ? a : b;
}
