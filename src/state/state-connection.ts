import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createRedisTopology, RedisConnection, STATE_NAMESPACE, type RedisTopology } from '../cache';
import type { AllConfig } from '../config/configuration';
import { RedisLease } from '../warmup/warmup-lease';
import { RedisStateRecords } from './redis-state-records';
import { MemoryStateRecords, type StateRecords } from './state-records';

export type StateBackend = 'memory' | 'cache-redis' | 'state-redis';

/**
 * Where state lives (alerts, stored screenings, scheduling leases): a Redis of its own when
 * STATE_REDIS_URL is set, else the cache's Redis, always under `{REDIS_PREFIX}state:`, which no
 * cache operation reaches (`cache/key-namespace.ts`); memory when REDIS_ENABLED=false. Owns the
 * own client's lifecycle: connects in the background (boot never waits), closes bounded.
 */
@Injectable()
export class StateConnection implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(StateConnection.name);
  /** Full-key prefix of every state key, e.g. `mc:state:`. */
  readonly keyPrefix: string;
  private readonly own?: RedisTopology;
  private readonly redisEnabled: boolean;

  constructor(
    private readonly cache: RedisConnection,
    config: ConfigService<AllConfig, true>,
  ) {
    const cacheConfig = config.get('cache', { infer: true });
    this.keyPrefix = cacheConfig.prefix + STATE_NAMESPACE;
    this.redisEnabled = cacheConfig.redisEnabled;
    const stateRedis = config.get('state', { infer: true }).redis;
    if (this.redisEnabled && stateRedis) this.own = createRedisTopology(stateRedis, new Logger('StateRedis'));
  }

  get backend(): StateBackend {
    if (!this.redisEnabled) return 'memory';
    return this.own ? 'state-redis' : 'cache-redis';
  }

  /** The client state commands go to; read at each call, as the cache's connection may replace its client. */
  get client(): RedisTopology | undefined {
    return this.own ?? this.cache.client;
  }

  /** The full key of a state name, e.g. `key('lease:warmup')` = `mc:state:lease:warmup`. */
  key(name: string): string {
    return this.keyPrefix + name;
  }

  /** A scheduling lease (one replica runs the job); `unavailable` without Redis. */
  lease(name: string): RedisLease {
    return new RedisLease(this.redisEnabled ? () => this.client : undefined, this.key(`lease:${name}`));
  }

  /** A collection of records kept `retentionMs` after their last write (Redis, or memory when Redis is disabled). */
  records<T>(collection: string, retentionMs: number, what: string): StateRecords<T> {
    if (!this.redisEnabled) return new MemoryStateRecords<T>(retentionMs);
    return new RedisStateRecords<T>(() => this.client, this.keyPrefix, collection, retentionMs, what);
  }

  onModuleInit(): void {
    if (!this.own) return;
    this.logger.log('State (alerts, screenings, scheduling leases) on its own Redis (STATE_REDIS_URL)');
    this.own.connect().catch((error: Error) => this.logger.warn(`State Redis connect failed: ${error.message}`));
  }

  /** Bounded, so a frozen state Redis cannot hold up shutdown. */
  async onModuleDestroy(): Promise<void> {
    const own = this.own;
    if (!own) return;
    if (!own.isReady) return own.destroy();
    const timer = new Promise<'timeout'>((resolve) => setTimeout(resolve, 1000, 'timeout').unref());
    const result = await Promise.race([own.close().catch(() => undefined), timer]);
    if (result === 'timeout' && own.isOpen) own.destroy();
  }
}
