import { LRUCache } from 'lru-cache';
import type { EntryMeta } from '../cache-entry';

/** What L1 holds: the encoded bytes (immutable to callers) plus the metadata to judge them. */
export interface LocalEntry extends EntryMeta {
  bytes: Buffer;
}

export interface LocalTierOptions {
  maxEntries: number;
  maxBytes: number;
  maxEntryBytes: number;
}

// Per-entry bookkeeping that is not in `bytes`: the key string, metadata fields and LRU links.
const ENTRY_OVERHEAD_BYTES = 96;

/**
 * L1: a per-process LRU bounded by entry count and by bytes (`lru-cache` enforces both and
 * evicts the least recently used). Entries leave at their hard expiry; values larger than
 * `maxEntryBytes` are not kept here at all.
 */
export class LocalTier {
  private readonly lru: LRUCache<string, LocalEntry>;
  /** Upper bound on how long L1 may keep anything; lowered while cross-replica invalidation is unavailable. */
  private maxTtlMs = Number.POSITIVE_INFINITY;

  constructor(readonly options: LocalTierOptions) {
    this.lru = new LRUCache<string, LocalEntry>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (entry, key) => entry.bytes.length + key.length * 2 + ENTRY_OVERHEAD_BYTES,
      ttlAutopurge: false,
    });
  }

  /** The entry, if held and not past its hard expiry. */
  get(key: string): LocalEntry | undefined {
    return this.lru.get(key);
  }

  set(key: string, entry: LocalEntry, now = Date.now()): void {
    const ttl = Math.min(entry.expiresAt - now, this.maxTtlMs);
    // A replaced value must not survive its replacement being refused.
    if (ttl <= 0 || entry.bytes.length > this.options.maxEntryBytes) {
      this.lru.delete(key);
      return;
    }
    this.lru.set(key, entry, { ttl: Math.ceil(ttl) });
  }

  delete(key: string): boolean {
    return this.lru.delete(key);
  }

  /** Drops every key `matches` accepts (pattern and tag invalidation); returns how many. */
  deleteWhere(matches: (key: string, entry: LocalEntry) => boolean): number {
    let dropped = 0;
    // A snapshot: deleting during a live iteration can make lru-cache revisit entries.
    for (const [key, entry] of [...this.lru.entries()]) {
      if (matches(key, entry) && this.lru.delete(key)) dropped++;
    }
    return dropped;
  }

  /** Keys accepted by `matches`, in LRU order (most recent first), from `offset`, at most `count`. */
  keys(matches: (key: string) => boolean, offset: number, count: number): { keys: string[]; next: number | undefined } {
    const keys: string[] = [];
    let index = 0;
    for (const key of this.lru.keys()) {
      if (!matches(key)) continue;
      if (index++ < offset) continue;
      if (keys.length === count) return { keys, next: offset + count };
      keys.push(key);
    }
    return { keys, next: undefined };
  }

  /** Remaining hard lifetime of a key in ms, or undefined when L1 does not hold it. */
  remainingMs(key: string): number | undefined {
    return this.lru.has(key) ? this.lru.getRemainingTTL(key) : undefined;
  }

  /** Caps L1 lifetimes (e.g. while the invalidation bus is down) so staleness stays bounded. */
  setMaxTtl(ms: number): void {
    this.maxTtlMs = ms;
  }

  /** Shortens the remaining lifetime of every held entry to at most `ms`. */
  capTtl(ms: number): void {
    // A snapshot: set() moves the key to the front, and a live entries() iterator would then visit it forever.
    for (const [key, entry] of [...this.lru.entries()]) {
      if (this.lru.getRemainingTTL(key) > ms) this.lru.set(key, entry, { ttl: ms });
    }
  }

  clear(): void {
    this.lru.clear();
  }

  get entries(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }
}
