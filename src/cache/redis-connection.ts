import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CacheEvents } from './cache.events';
import { CACHE_MODULE_OPTIONS, type CacheModuleOptions } from './cache.module-definition';
import { L2Guard, type BreakerState } from './circuit-breaker';
import { DistributedLock } from './distributed-lock';
import { InvalidationBus, type BusState } from './invalidation-bus';
import { createRedisTopology } from './redis-client.factory';
import type { RedisResetReason, RedisTopology } from './redis-topology';
import { ClientResetError } from './topologies/reply-checks';
import { RedisFaults, redisRefusalOf, WRITE_REFUSALS, type RedisRefusal } from './redis-faults';
import { LocalTier } from './tiers/local-tier';
import { RemoteTier } from './tiers/remote-tier';

/** What `/health` shows of client resets (a desynchronised connection replaced). */
export interface ClientResets {
  count: number;
  last: { at: string; reason: RedisResetReason } | null;
}

// A corrupting link can force many resets a second: one log line per this many ms, with the count.
const RESET_LOG_INTERVAL_MS = 10_000;

/**
 * Owns everything that talks to Redis: the client of the configured topology (standalone, Cluster
 * or Sentinel) and the remote tier on it, the invalidation bus (its own subscriber connection)
 * and the stampede lease. Connects in the background at init (boot never waits on Redis) and
 * closes, bounded, at shutdown. All are undefined when `REDIS_ENABLED=false`; the cache then
 * runs on L1 + factory.
 */
@Injectable()
export class RedisConnection implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RedisConnection.name);
  /** The topology seam; also what the warmup lease and tests use to reach Redis directly. */
  readonly client?: RedisTopology;
  readonly remote?: RemoteTier;
  readonly bus?: InvalidationBus;
  readonly lock?: DistributedLock;
  private readonly guard?: L2Guard;
  private readonly clientResets: ClientResets = { count: 0, last: null };
  /** Writes refused (OOM, READONLY, …) and authentication refused: see `redis-faults.ts`. */
  readonly redisFaults = new RedisFaults();
  private resetsLoggedAt = Number.NEGATIVE_INFINITY;
  private resetsUnlogged = 0;

  constructor(@Inject(CACHE_MODULE_OPTIONS) options: CacheModuleOptions, events: CacheEvents, local: LocalTier) {
    if (!options.redisEnabled) return;
    this.client = createRedisTopology(options.redis);
    // A refused write (OOM, READONLY, …) is Redis answering: reads go on, so the breaker does not count it.
    const refusedWrite = (error: unknown) => WRITE_REFUSALS.has(redisRefusalOf(error) as RedisRefusal);
    this.guard = new L2Guard({ timeoutMs: options.l2.timeoutMs, ...options.breaker, ignoreError: (error) => error instanceof ClientResetError || refusedWrite(error) });
    this.guard.onStateChange((state) => {
      events.emit('breaker', { state });
      this.logger.log(`L2 circuit ${state}`);
    });
    this.watchResets(this.client, this.guard, events);
    this.watchAuth(this.client, events);
    this.remote = new RemoteTier(this.client, this.guard, options.prefix, events, this.redisFaults);
    if (options.bus.enabled) {
      this.bus = new InvalidationBus(this.client.createSubscriber(), this.remote, local, events, options.prefix, options.bus.downTtlMs);
    }
    if (options.lock.enabled) this.lock = new DistributedLock(this.remote, { leaseMs: options.lock.leaseMs, waitMs: options.lock.waitMs, pollMs: 25 });
  }

  onModuleInit(): void {
    if (!this.remote) return this.logger.log('Redis disabled (REDIS_ENABLED=false): cache runs on memory only');
    this.remote.connect();
    this.bus?.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.bus?.close();
    await this.remote?.close();
  }

  get breakerState(): BreakerState | 'disabled' {
    return this.guard?.state ?? 'disabled';
  }

  get busState(): BusState {
    return this.bus?.status ?? 'disabled';
  }

  get resets(): ClientResets {
    return { count: this.clientResets.count, last: this.clientResets.last && { ...this.clientResets.last } };
  }

  /**
   * A connection out of step is replaced (the topology's `reset`); here it is counted, logged and
   * its aftermath settled: a probe that times out on a silent connection asks for a reset too, and
   * once the new client is ready the breaker forgets the old connection's failures, so L2 serves
   * again within a round trip instead of after another open window.
   */
  private watchResets(client: RedisTopology, guard: L2Guard, events: CacheEvents): void {
    let awaitingReady = false;
    guard.onStall(() => client.reset('stalled'));
    client.on('reset', (reason) => {
      this.clientResets.count++;
      this.clientResets.last = { at: new Date().toISOString(), reason };
      events.emit('redisReset', { reason });
      awaitingReady = true;
      this.logReset(reason);
    });
    client.on('ready', () => {
      if (awaitingReady) guard.forgive();
      awaitingReady = false;
    });
  }

  /**
   * A wrong password fails the connection's handshake (`WRONGPASS`), then node-redis retries and
   * mostly reports "Socket closed unexpectedly": the refusal is kept until a connection is ready.
   */
  private watchAuth(client: RedisTopology, events: CacheEvents): void {
    client.on('error', (error) => {
      if (redisRefusalOf(error) !== 'AUTH') return;
      this.redisFaults.refused('AUTH', error.message);
      events.emit('redisRefused', { operation: 'connect', reason: 'AUTH' });
    });
    client.on('ready', () => this.redisFaults.authSucceeded());
  }

  private logReset(reason: RedisResetReason): void {
    this.resetsUnlogged++;
    const now = performance.now();
    if (now - this.resetsLoggedAt < RESET_LOG_INTERVAL_MS) return;
    this.resetsLoggedAt = now;
    this.logger.warn(
      `Redis connection out of step (${reason}): client destroyed and reconnected, its pending commands dropped (${this.resetsUnlogged} reset(s) since the last such line)`,
    );
    this.resetsUnlogged = 0;
  }
}
