/** Where a value came from: a tier, a fresh factory run, or a graced (stale) entry. */
export type CacheSource = 'l1' | 'l2' | 'factory' | 'stale';

/** A value with its provenance and clock, for headers (`X-Cache`, `Age`) and callers that care. */
export interface CacheResult<T> {
  value: T;
  source: CacheSource;
  createdAt: number;
  staleAt: number;
  expiresAt: number;
  /** The entry's tags: its policy's, the caller's and what it was built from (`sym:AAPL`, `key:…`). */
  tags?: readonly string[];
}

/** Handed to factories: what they may know and decide about the entry they produce. */
export interface FactoryContext<T> {
  /** The graced value being refreshed, if any. */
  readonly stale?: T;
  /** Adaptive TTL: overrides the policy TTL for this value (ms). */
  setTtl(ms: number): void;
  /** Return the value without caching it (e.g. a partial upstream answer). */
  skipCache(): void;
}

export type Factory<T> = (ctx: FactoryContext<T>) => Promise<T> | T;

export interface WriteOptions<T> {
  /** TTL in ms, or chosen from the value (adaptive TTL). @default the policy's TTL */
  ttlMs?: number | ((value: T) => number);
  /** @default the policy's grace */
  graceMs?: number;
  tags?: readonly string[];
}

export interface WrapOptions<T> extends WriteOptions<T> {
  /** Skip the tiers and run the factory now (its result replaces the cached one). */
  forceRefresh?: boolean;
  /**
   * The entry renders cached values (an HTTP response): it lives exactly as long as the cached values
   * its factory read, not the policy TTL; the TTL applies only when it read none.
   */
  inheritTtl?: boolean;
}
