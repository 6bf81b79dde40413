import { Inject, Injectable } from '@nestjs/common';
import type { CacheEvents } from './cache.events';
import type { CacheKey } from './cache-keys';
import { CACHE_MODULE_OPTIONS, type CacheModuleOptions } from './cache.module-definition';
import type { PolicySettings, PolicyName } from './cache-policies';
import { CacheStack, type CacheResult, type Factory, type WrapOptions, type WriteOptions } from './cache-stack';
import { CacheStats, type CacheStatsSnapshot } from './cache-stats';
import { symbolTag, WIDE_TAG } from './dependency-tags';
import { RedisConnection } from './redis-connection';

/**
 * THE cache facade every feature injects (by class). Keys come only from `CacheKeys` /
 * `cacheKey()`, policies from the one policy table; no method throws because of Redis.
 */
@Injectable()
export class CacheService {
  constructor(
    private readonly stack: CacheStack,
    private readonly statsCollector: CacheStats,
    private readonly connection: RedisConnection,
    @Inject(CACHE_MODULE_OPTIONS) private readonly options: CacheModuleOptions,
  ) {}

  /** The cache's clock (the service's `Clock`): what entry ages and remaining lifetimes are measured against. */
  now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /**
   * The core call: L1, then L2, then `factory` (once per key per process, however many callers
   * wait). Past its TTL a value is served stale for the policy's grace while one background
   * refresh runs. The factory's error reaches every waiter and is never cached.
   * @throws whatever `factory` throws when no graced value can stand in.
   */
  async wrap<T>(policy: PolicyName, key: CacheKey, factory: Factory<T>, options?: WrapOptions<T>): Promise<T> {
    return (await this.stack.getOrSet(policy, key, factory, options)).value;
  }

  /** `wrap`, plus where the value came from and its clock (for `X-Cache`, `Age`, staleness marks). */
  wrapWithMeta<T>(policy: PolicyName, key: CacheKey, factory: Factory<T>, options?: WrapOptions<T>): Promise<CacheResult<T>> {
    return this.stack.getOrSet(policy, key, factory, options);
  }

  /** The fresh value, or undefined. With `allowStale`, a graced value too. */
  async get<T>(key: CacheKey, options: { allowStale?: boolean } = {}): Promise<T | undefined> {
    return (await this.stack.get<T>(key, options.allowStale))?.value;
  }

  /** Fresh values for many keys (undefined where missing): L1, then one MGET round trip. */
  async getMany<T>(keys: readonly CacheKey[]): Promise<(T | undefined)[]> {
    return (await this.stack.getMany<T>(keys)).map((result) => result?.value);
  }

  /** `getMany` with each value's provenance (`l1` / `l2`), for callers that report cache hits. */
  getManyWithMeta<T>(keys: readonly CacheKey[]): Promise<(CacheResult<T> | undefined)[]> {
    return this.stack.getMany<T>(keys);
  }

  /** Writes both tiers; resolves once L2 acknowledged or its deadline passed. */
  set<T>(policy: PolicyName, key: CacheKey, value: T, options?: WriteOptions<T>): Promise<void> {
    return this.stack.set(policy, key, value, options);
  }

  /** Writes many entries: L1 at once, L2 in one pipelined round trip. */
  setMany(items: readonly { policy: PolicyName; key: CacheKey; value: unknown; options?: WriteOptions<unknown> }[]): Promise<void> {
    return this.stack.setMany(items);
  }

  has(key: CacheKey): Promise<boolean> {
    return this.stack.has(key);
  }

  delete(...keys: CacheKey[]): Promise<void> {
    return this.stack.delete(keys);
  }

  /** Drops every entry written with `tags` containing `tag`; returns the count. */
  invalidateTag(tag: string): Promise<number> {
    return this.stack.invalidateTag(tag);
  }

  /**
   * Tells the running factory, if any, that its value is built from `symbol`'s upstream data, so
   * invalidating the symbol takes the value along. Cached reads are recorded by the cache itself;
   * the market-data layer calls this for upstream reads.
   */
  dependsOnSymbol(symbol: string): void {
    this.stack.dependsOn(symbolTag(symbol));
  }

  /** Like `dependsOnSymbol`, for a value built from a whole universe (a ticker list): any invalidation takes it. */
  dependsOnEverySymbol(): void {
    this.stack.dependsOn(WIDE_TAG);
  }

  /**
   * Drops every entry built from `symbol`, in L1 and L2 and on every replica: its own values
   * (quote, history, info, ...) and everything derived from them (indicators, scores, predictions,
   * HTTP responses, portfolio and scan answers), found through the dependency tags each entry
   * records. Returns how many entries went.
   */
  invalidateSymbol(symbol: string): Promise<number> {
    return this.stack.invalidateSymbol(symbol);
  }

  /**
   * Deletes keys matching a Redis glob applied inside `REDIS_PREFIX` (e.g. `v1:price:*`), in
   * both tiers, with SCAN + batched UNLINK. Nothing outside the prefix can match.
   */
  deleteByPattern(pattern: string): Promise<number> {
    return this.stack.deleteByPattern(pattern);
  }

  /** Counters per policy and tier, L2 failures, breaker state and L1 occupancy. */
  stats(): CacheStatsSnapshot {
    const local = this.stack.local;
    return this.statsCollector.snapshot({
      backend: this.connection.remote?.available ? 'redis' : 'memory',
      breaker: this.connection.breakerState,
      l1: { entries: local.entries, bytes: local.bytes, maxEntries: local.options.maxEntries, maxBytes: local.options.maxBytes },
    });
  }

  /** HTTP responses above this many bytes are answered but not cached as responses. */
  get httpMaxEntryBytes(): number {
    return this.options.http?.maxEntryBytes ?? Number.POSITIVE_INFINITY;
  }

  /** The policy table in force (after env overrides). */
  policy(name: PolicyName): PolicySettings {
    return this.options.policies[name];
  }

  /** Typed cache events, for metrics. */
  get events(): CacheEvents {
    return this.stack.events;
  }
}
