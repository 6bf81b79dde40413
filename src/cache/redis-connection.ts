import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CacheEvents } from './cache.events';
import { CACHE_MODULE_OPTIONS, type CacheModuleOptions } from './cache.module-definition';
import { L2Guard, type BreakerState } from './circuit-breaker';
import { createRedisClient, type RedisClient } from './redis-client.factory';
import { RemoteTier } from './tiers/remote-tier';

/**
 * Owns the Redis client and the remote tier built on it: connects in the background at init
 * (boot never waits on Redis) and closes, bounded, at shutdown. `remote` is undefined when
 * `REDIS_ENABLED=false`; the cache then runs on L1 + factory.
 */
@Injectable()
export class RedisConnection implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RedisConnection.name);
  readonly client?: RedisClient;
  readonly remote?: RemoteTier;
  private readonly guard?: L2Guard;

  constructor(@Inject(CACHE_MODULE_OPTIONS) options: CacheModuleOptions, events: CacheEvents) {
    if (!options.redisEnabled) return;
    this.client = createRedisClient(options.redis);
    this.guard = new L2Guard({ timeoutMs: options.l2.timeoutMs, ...options.breaker });
    this.guard.onStateChange((state) => {
      events.emit('breaker', { state });
      this.logger.log(`L2 circuit ${state}`);
    });
    this.remote = new RemoteTier(this.client, this.guard, options.prefix, events);
  }

  onModuleInit(): void {
    if (this.remote) this.remote.connect();
    else this.logger.log('Redis disabled (REDIS_ENABLED=false): cache runs on memory only');
  }

  async onModuleDestroy(): Promise<void> {
    await this.remote?.close();
  }

  get breakerState(): BreakerState | 'disabled' {
    return this.guard?.state ?? 'disabled';
  }
}
