// The cache module's public surface: features import from here, never from its internals.
export { CacheModule } from './cache.module';
export { CacheService } from './cache.service';
export { CacheAdminService, type BackendInfo, type KeyPage } from './cache-admin.service';
export type { HotKey } from './hot-keys';
export type { RefreshAheadOptions } from './refresh-ahead';
export { CacheKeys, cacheKey, hashOf, type CacheKey, CACHE_SCHEMA_VERSION } from './cache-keys';
export { POLICY_NAMES, type PolicyName, type PolicySettings } from './cache-policies';
export type { CacheResult, CacheSource, Factory, FactoryContext, WrapOptions, WriteOptions } from './cache-stack';
export type { CacheStatsSnapshot, PolicyStats } from './cache-stats';
export type { CacheEventMap, CacheEventName } from './cache.events';
export { CachePolicy } from './decorators/cache-policy.decorator';
export { NoCache } from './decorators/no-cache.decorator';
export { Cached } from './decorators/cached.decorator';
export { InvalidateCache, type InvalidateCacheSpec } from './decorators/invalidate-cache.decorator';
export { HttpCacheInterceptor } from './http-cache.interceptor';
export { RedisConnection } from './redis-connection';
export { X_CACHE_HEADER, X_CACHE_VALUES } from './cache.constants';
