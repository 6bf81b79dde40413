import { SetMetadata } from '@nestjs/common';
import { CACHE_POLICY_METADATA } from '../cache.constants';
import type { PolicyName } from '../cache-policies';

/**
 * Caches a GET route's response under `policy` (on a handler or a whole controller; the
 * handler wins). Carries metadata only: `HttpCacheInterceptor` does the work.
 */
export const CachePolicy = (policy: PolicyName) => SetMetadata(CACHE_POLICY_METADATA, policy);
