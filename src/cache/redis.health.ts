import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { CACHE_MODULE_OPTIONS, type CacheModuleOptions } from './cache.module-definition';
import { CacheService } from './cache.service';
import { RedisConnection } from './redis-connection';

/**
 * The cache's health for `/health` and `/health/ready`. Always `up`: with Redis down the memory
 * tier (L1 + factory) still answers every request, so Redis trouble must never take a replica
 * out of rotation. It is reported instead as `degraded: true` (Redis enabled but not serving).
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly cache: CacheService,
    private readonly connection: RedisConnection,
    @Inject(CACHE_MODULE_OPTIONS) private readonly options: CacheModuleOptions,
  ) {}

  /** Backend in use and breaker state, without a Redis round trip (cheap enough for every probe). */
  backend(key: string): HealthIndicatorResult {
    const { backend, breaker } = this.cache.stats();
    return this.indicator.check(key).up({ backend, breaker, degraded: this.degraded(backend) });
  }

  /**
   * Everything operators look at: backend, breaker, a PING round trip (bounded by the L2
   * deadline; `null` when Redis does not answer), client resets (a desynchronised connection
   * replaced: how many, the last one's time and reason), and L1 occupancy against its bounds.
   */
  async details(key: string): Promise<HealthIndicatorResult> {
    const remote = this.connection.remote;
    const roundTripMs = remote ? await remote.ping() : undefined;
    // Read after the ping: a failed ping may just have opened the breaker.
    const { backend, breaker, l1 } = this.cache.stats();
    return this.indicator.check(key).up({
      backend,
      breaker,
      degraded: this.degraded(backend),
      prefix: this.options.prefix,
      redis: {
        enabled: this.options.redisEnabled,
        roundTripMs: roundTripMs === undefined ? null : Math.round(roundTripMs * 100) / 100,
        resets: this.connection.resets.count,
        lastReset: this.connection.resets.last,
      },
      l1: {
        ...l1,
        entriesPercent: percent(l1.entries, l1.maxEntries),
        bytesPercent: percent(l1.bytes, l1.maxBytes),
      },
    });
  }

  private degraded(backend: 'redis' | 'memory'): boolean {
    return this.options.redisEnabled && backend === 'memory';
  }
}

function percent(value: number, bound: number): number {
  return bound > 0 ? Math.round((value / bound) * 1000) / 10 : 0;
}
