import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CacheEvents } from './cache.events';
import { CACHE_MODULE_OPTIONS, type CacheModuleOptions } from './cache.module-definition';
import { L2Guard, type BreakerState } from './circuit-breaker';
import { DistributedLock } from './distributed-lock';
import { InvalidationBus, type BusState } from './invalidation-bus';
import { createRedisTopology } from './redis-client.factory';
import type { RedisTopology } from './redis-topology';
import { LocalTier } from './tiers/local-tier';
import { RemoteTier } from './tiers/remote-tier';

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

  constructor(@Inject(CACHE_MODULE_OPTIONS) options: CacheModuleOptions, events: CacheEvents, local: LocalTier) {
    if (!options.redisEnabled) return;
    this.client = createRedisTopology(options.redis);
    this.guard = new L2Guard({ timeoutMs: options.l2.timeoutMs, ...options.breaker });
    this.guard.onStateChange((state) => {
      events.emit('breaker', { state });
      this.logger.log(`L2 circuit ${state}`);
    });
    this.remote = new RemoteTier(this.client, this.guard, options.prefix, events);
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
}
