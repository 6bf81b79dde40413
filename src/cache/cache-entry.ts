import { deserialize, serialize } from 'node:v8';

/**
 * One cached value with its clock. `staleAt` is the logical expiry (end of TTL); `expiresAt` is
 * the hard expiry (end of grace). Between the two the value may be served, marked stale, while
 * a refresh runs. Redis keeps the key until `expiresAt` (PX), L1 likewise.
 */
export interface CacheEntry<T = unknown> {
  value: T;
  createdAt: number;
  staleAt: number;
  expiresAt: number;
  tags: readonly string[];
}

/** Entry metadata kept beside the encoded bytes, so L1 can judge freshness without decoding. */
export type EntryMeta = Omit<CacheEntry, 'value'>;

/** Raised when bytes read from a tier are not an entry of ours (foreign writer, old schema, corruption). */
export class CorruptEntryError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`Not a cache entry of this service: ${reason}`, options);
    this.name = CorruptEntryError.name;
  }
}

// A magic tag inside the payload: anything without it is not ours.
const MAGIC = 'mc-entry/1';

/**
 * Encodes with V8's structured serializer: lossless for NaN, ±Infinity, -0, Date, BigInt, Map,
 * Set, typed arrays and `undefined` (JSON loses all of these), and the same bytes serve L1 and
 * L2, so both tiers return identical values and no caller can mutate what L1 holds.
 */
export function encodeEntry(entry: CacheEntry): Buffer {
  return serialize([MAGIC, entry.createdAt, entry.staleAt, entry.expiresAt, entry.tags, entry.value]);
}

/** @throws CorruptEntryError when `bytes` are not an entry written by `encodeEntry`. */
export function decodeEntry<T = unknown>(bytes: Buffer): CacheEntry<T> {
  let decoded: unknown;
  try {
    decoded = deserialize(bytes);
  } catch (cause) {
    throw new CorruptEntryError('undecodable bytes', { cause });
  }
  if (!Array.isArray(decoded) || decoded.length !== 6 || decoded[0] !== MAGIC) {
    throw new CorruptEntryError('missing envelope');
  }
  const [, createdAt, staleAt, expiresAt, tags, value] = decoded as [string, unknown, unknown, unknown, unknown, T];
  if (typeof createdAt !== 'number' || typeof staleAt !== 'number' || typeof expiresAt !== 'number' || !Array.isArray(tags)) {
    throw new CorruptEntryError('bad envelope fields');
  }
  return { value, createdAt, staleAt, expiresAt, tags: tags as string[] };
}

/** Freshness of an entry at `now`. */
export type EntryState = 'fresh' | 'stale' | 'expired';

export function entryState(meta: Pick<EntryMeta, 'staleAt' | 'expiresAt'>, now: number): EntryState {
  if (now < meta.staleAt) return 'fresh';
  return now < meta.expiresAt ? 'stale' : 'expired';
}
