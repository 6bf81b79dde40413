import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CacheConfig } from '../config/cache.config';
import type { LifetimeFn } from './cache-policies';
import type { CacheGeneration } from './key-scope';

/** Options of `CacheModule.forRoot(Async)`: the cache slice of config, plus a clock for tests. */
export interface CacheModuleOptions extends CacheConfig {
  /** @default Date.now */
  now?: () => number;
  /** The data source and model every key is scoped to (`key-scope.ts`). @default none: keys as built */
  generation?: CacheGeneration;
  /** Entry lifetimes by the exchange calendar, per policy rule (`market-calendar/cache-lifetimes.ts`). @default none: the TTLs as configured */
  lifetime?: LifetimeFn;
}

export const {
  ConfigurableModuleClass: ConfigurableCacheModule,
  MODULE_OPTIONS_TOKEN: CACHE_MODULE_OPTIONS,
  OPTIONS_TYPE: CACHE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CACHE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CacheModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
