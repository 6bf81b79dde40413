import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { INVALIDATE_CACHE_METADATA } from '../cache.constants';
import { CacheInvalidationInterceptor } from '../cache-invalidation.interceptor';

/** What a data-changing route invalidates after it succeeds; functions see the request's params and body. */
export interface InvalidateCacheSpec {
  tags?: (string | ((req: { params: Record<string, string>; body: unknown }) => string))[];
  /** Redis globs inside the prefix, e.g. `v1:price:*`. */
  patterns?: (string | ((req: { params: Record<string, string>; body: unknown }) => string))[];
}

/** After the handler succeeds, drops the given tags and patterns from both tiers. */
export const InvalidateCache = (spec: InvalidateCacheSpec) =>
  applyDecorators(SetMetadata(INVALIDATE_CACHE_METADATA, spec), UseInterceptors(CacheInvalidationInterceptor));
