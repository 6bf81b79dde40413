/**
 * The tags an entry carries for what it was built from (`dependency-tracker.ts` collects them).
 * Invalidating a symbol drops `sym:{SYMBOL}` and `wide`; deleting a key by pattern drops
 * `key:{key}` of each deleted key and `wide`. Entries built from many inputs (a scan, a universe
 * list) carry `wide` instead of thousands of tags: any invalidation takes them with it.
 */
export const WIDE_TAG = 'wide';

/** Past this many dependency tags an entry is `wide` (one tag index write, not thousands). */
export const MAX_DEPENDENCY_TAGS = 32;

export const symbolTag = (symbol: string): string => `sym:${normalizeSymbol(symbol)}`;

export const keyTag = (key: string): string => `key:${key}`;

export function isDependencyTag(tag: string): boolean {
  return tag === WIDE_TAG || tag.startsWith('sym:') || tag.startsWith('key:');
}

/** The one symbol normalization of the cache: trimmed, upper case. */
export function normalizeSymbol(symbol: string): string {
  return symbol.trim().toUpperCase();
}
