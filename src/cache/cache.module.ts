import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CacheAdminService } from './cache-admin.service';
import { CacheEvents } from './cache.events';
import { CACHE_MODULE_OPTIONS, ConfigurableCacheModule, type CacheModuleOptions } from './cache.module-definition';
import { CacheInvalidationInterceptor } from './cache-invalidation.interceptor';
import { CacheStack } from './cache-stack';
import { CacheStats } from './cache-stats';
import { CacheService } from './cache.service';
import { HttpCacheFastPath } from './http-cache-fast-path';
import { HttpCacheInterceptor } from './http-cache.interceptor';
import { HttpRequestIdentity } from './http-request-identity';
import { KeyScope } from './key-scope';
import { createNestCacheManager } from './nest-cache-manager.store';
import { RedisConnection } from './redis-connection';
import { RedisHealthIndicator } from './redis.health';
import { LocalTier } from './tiers/local-tier';

/**
 * The one global cache module. `CacheModule.forRootAsync({ inject: [ConfigService], useFactory })`
 * wires L1, L2 (when enabled), the stack and the `CacheService` facade; `CACHE_MANAGER` is
 * registered over the same stack for Nest-style code.
 */
@Module({
  // For HealthIndicatorService, which RedisHealthIndicator reports through.
  imports: [TerminusModule],
  providers: [
    CacheEvents,
    { provide: LocalTier, inject: [CACHE_MODULE_OPTIONS], useFactory: (o: CacheModuleOptions) => new LocalTier(o.l1) },
    RedisConnection,
    {
      provide: CacheStack,
      inject: [LocalTier, RedisConnection, CACHE_MODULE_OPTIONS, CacheEvents],
      useFactory: (local: LocalTier, redis: RedisConnection, o: CacheModuleOptions, events: CacheEvents) =>
        new CacheStack(local, redis.remote, o.policies, events, o.now, redis.lock, o.generation ? new KeyScope(o.generation) : undefined, o.lifetime),
    },
    { provide: CacheStats, inject: [CacheEvents], useFactory: (events: CacheEvents) => new CacheStats(events) },
    CacheService,
    CacheAdminService,
    HttpCacheFastPath,
    HttpRequestIdentity,
    HttpCacheInterceptor,
    CacheInvalidationInterceptor,
    RedisHealthIndicator,
    { provide: CACHE_MANAGER, inject: [CacheStack], useFactory: createNestCacheManager },
  ],
  exports: [CacheService, CacheAdminService, HttpCacheFastPath, HttpCacheInterceptor, CacheInvalidationInterceptor, CACHE_MANAGER, RedisConnection, RedisHealthIndicator],
})
export class CacheModule extends ConfigurableCacheModule {}
