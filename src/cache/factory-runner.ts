import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { CacheEvents } from './cache.events';
import { policyOfKey } from './cache-keys';
import { keyTag } from './dependency-tags';
import type { PolicyName } from './cache-policies';
import type { CacheResult, Factory, FactoryContext, WrapOptions } from './cache.types';
import { dependencyTagsOf, DependencyTracker, StaleInputsError, type DependencyFrame } from './dependency-tracker';
import type { DistributedLock } from './distributed-lock';
import type { InvalidationLog } from './invalidation-log';
import { SingleFlight } from './single-flight';
import type { TierIO } from './tier-io';
import { runAtMostUpstreamPriority } from '../common/upstream-priority';

// After a failed background refresh, serve stale without retrying for this long (per key).
const REFRESH_BACKOFF_MS = 5_000;

/**
 * Runs factories: in the foreground for a miss (under the cross-replica lease when there is
 * one), in the background to refresh a graced value (one per key, backing off after a
 * failure), and tracks what each run read from the cache so its result is never cached
 * fresher than its inputs.
 */
export class FactoryRunner {
  private readonly logger = new Logger(FactoryRunner.name);
  private readonly refreshes = new SingleFlight();
  private readonly backoff = new LRUCache<string, true>({ max: 10_000, ttl: REFRESH_BACKOFF_MS });
  readonly dependencies = new DependencyTracker();

  constructor(
    private readonly io: TierIO,
    private readonly events: CacheEvents,
    private readonly now: () => number,
    private readonly invalidations: InvalidationLog,
    private readonly lock?: DistributedLock,
  ) {}

  isBackingOff(key: string): boolean {
    return this.backoff.has(key);
  }

  /** A cold miss: under the lease when replicas share Redis, else straight away. */
  miss<T>(policy: PolicyName, key: string, factory: Factory<T>, options: WrapOptions<T>): Promise<CacheResult<T>> {
    return this.lock ? this.runUnderLease(policy, key, factory, options) : this.run(policy, key, factory, options, undefined, false);
  }

  /** Starts one background refresh of a graced value (no-op while one runs). */
  refreshInBackground<T>(policy: PolicyName, key: string, factory: Factory<T>, options: WrapOptions<T>, stale: T): void {
    // A refresh spends upstream budget after interactive calls (`common/upstream-priority.ts`).
    const { promise } = this.refreshes.run(key, () => runAtMostUpstreamPriority('refresh', () => this.run(policy, key, factory, options, stale, true)));
    promise.catch((error: Error) => {
      this.backoff.set(key, true);
      this.logger.warn(`Background refresh of ${key} failed, serving stale: ${error.message}`);
    });
  }

  /** Refreshes a graced value and waits for it (inside another background refresh); undefined on failure. */
  async refreshInPlace<T>(policy: PolicyName, key: string, factory: Factory<T>, options: WrapOptions<T>, stale: T): Promise<CacheResult<T> | undefined> {
    const refresh = this.refreshes.run(key, () => this.run(policy, key, factory, options, stale, true));
    return refresh.promise.catch(() => {
      this.backoff.set(key, true);
      return undefined;
    });
  }

  /** A cold miss across replicas: one computes under a Redis lease, the others wait for its value in L2. */
  private async runUnderLease<T>(policy: PolicyName, key: string, factory: Factory<T>, options: WrapOptions<T>): Promise<CacheResult<T>> {
    const lock = this.lock!;
    const lease = await lock.acquire(key);
    if (lease.held) {
      try {
        return await this.run(policy, key, factory, options, undefined, false, true);
      } finally {
        void lock.release(key, lease.token);
      }
    }
    if (lease.busy) {
      const fromHolder = await lock.waitFor(key, async () => {
        const found = await this.io.readRemote<T>(key);
        return found?.source === 'l2' ? found : undefined;
      });
      if (fromHolder) {
        this.events.emit('coalesced', { policy: policyOfKey(key) });
        return fromHolder;
      }
    }
    return this.run(policy, key, factory, options, undefined, false);
  }

  async run<T>(
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
    const since = this.invalidations.current;
    let value: T;
    let inputs: DependencyFrame;
    try {
      ({ value, frame: inputs } = await this.dependencies.run(() => factory(ctx), background));
      if (inputs.stale && background) throw new StaleInputsError(key);
    } catch (error) {
      this.events.emit('factory', { policy: policyOfKey(key), durationMs: performance.now() - started, ok: false, background });
      throw error;
    }
    this.events.emit('factory', { policy: policyOfKey(key), durationMs: performance.now() - started, ok: true, background });
    this.backoff.delete(key);
    const now = this.now();
    const tags = dependencyTagsOf(inputs);
    const uncached = (source: 'stale' | 'factory'): CacheResult<T> => ({ value, source, createdAt: now, staleAt: now, expiresAt: now, tags });
    // Built from stale inputs: answer, marked stale, but do not cache it as fresh.
    if (inputs.stale) return uncached('stale');
    if (skip) return uncached('factory');
    // An input was invalidated while this ran: answer the caller who waited, never publish it.
    if (this.invalidations.invalidatedSince(since, [...tags, keyTag(key)])) return uncached('factory');
    // Never fresher than the cached inputs it was computed from.
    const inherited = options.inheritTtl && ttlOverride === undefined && Number.isFinite(inputs.staleAt);
    const ttlMs = inherited ? inputs.staleAt - now : Math.min(this.io.ttlOf(policy, value, ttlOverride ?? options.ttlMs), inputs.staleAt - now);
    if (ttlMs <= 0) return uncached('factory');
    // `ttlMs` is final (calendar rule applied by ttlOf, then capped by the inputs): stored as is.
    const write = this.io.store(policy, key, value, { ...options, tags: [...(options.tags ?? []), ...tags] }, ttlMs);
    // Not awaited (unless a lease holder must publish before releasing): a slow or frozen Redis must
    // not delay the answer; the write is bounded and never throws.
    const remoteWrite = this.io.remote?.setMany([write]);
    if (awaitRemoteWrite) await remoteWrite;
    return { value, source: 'factory', createdAt: write.createdAt, staleAt: write.staleAt, expiresAt: write.expiresAt, tags: write.tags };
  }
}
