/** Metadata key of `@CachePolicy(name)`. */
export const CACHE_POLICY_METADATA = 'mc:cache-policy';
/** Metadata key of `@NoCache()`. */
export const NO_CACHE_METADATA = 'mc:no-cache';
/** Metadata key of `@InvalidateCache(...)`. */
export const INVALIDATE_CACHE_METADATA = 'mc:invalidate-cache';

/** Response header telling where an answer came from. */
export const X_CACHE_HEADER = 'x-cache';
export const X_CACHE_VALUES = { l1: 'HIT-L1', l2: 'HIT-L2', factory: 'MISS', stale: 'STALE' } as const;
