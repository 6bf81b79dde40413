/**
 * What lives under `REDIS_PREFIX`. The cache owns entries (`v{schema}:…`, built only by
 * `cache-keys.ts`) and tag indexes (`tag:…`); state that must outlive any cache operation
 * (alerts, stored screenings, leases) lives under `state:`. Every cache operation that finds keys
 * by SCAN (pattern deletes, listings, counts) keeps only cache keys, so even `*` never reaches
 * state, whatever the pattern says.
 */
export const STATE_NAMESPACE = 'state:';

const CACHE_KEY = /^(?:v\d+:|tag:)/;

/** Whether a logical key (without `REDIS_PREFIX`) is the cache's: an entry or a tag index. */
export function isCacheKey(logicalKey: string): boolean {
  return CACHE_KEY.test(logicalKey);
}
