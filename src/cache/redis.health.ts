import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { CACHE_MODULE_OPTIONS, type CacheModuleOptions } from './cache.module-definition';
import { CacheService } from './cache.service';
import { RedisConnection } from './redis-connection';
import { RECENT_RESET_MS } from './redis-faults';

/**
 * The cache's health for `/health` and `/health/ready`. Always `up`: with Redis down the memory
 * tier (L1 + factory) still answers every request, so Redis trouble must never take a replica
 * out of rotation. It is reported instead as `degraded: true` with `degradedReasons`: Redis
 * enabled but not serving (`backend-memory`), refusing writes (`writes-OOM`, `writes-READONLY`,
 * `writes-MISCONF`, `writes-NOPERM`), refusing our credentials (`auth`), or a client reset (a
 * connection out of step) within the last minute (`recent-reset`).
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
    const reasons = this.degradedReasons(backend);
    return this.indicator.check(key).up({ backend, breaker, degraded: reasons.length > 0, degradedReasons: reasons });
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
    const reasons = this.degradedReasons(backend);
    const faults = this.connection.redisFaults;
    return this.indicator.check(key).up({
      backend,
      breaker,
      degraded: reasons.length > 0,
      degradedReasons: reasons,
      prefix: this.options.prefix,
      redis: {
        enabled: this.options.redisEnabled,
        roundTripMs: roundTripMs === undefined ? null : Math.round(roundTripMs * 100) / 100,
        writes: faults.writes,
        auth: faults.auth,
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

  /** Why the cache is degraded (empty: it is not); short codes, stable for alerting rules. */
  private degradedReasons(backend: 'redis' | 'memory', now = Date.now()): string[] {
    if (!this.options.redisEnabled) return [];
    const reasons: string[] = [];
    const { writes, auth } = this.connection.redisFaults;
    if (backend === 'memory') reasons.push('backend-memory');
    if (!auth.ok) reasons.push('auth');
    if (!writes.ok) reasons.push(`writes-${writes.reason}`);
    const last = this.connection.resets.last;
    if (last && now - Date.parse(last.at) < RECENT_RESET_MS) reasons.push('recent-reset');
    return reasons;
  }
}

function percent(value: number, bound: number): number {
  return bound > 0 ? Math.round((value / bound) * 1000) / 10 : 0;
}
