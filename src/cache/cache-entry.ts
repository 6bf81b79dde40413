import { deserialize, serialize } from 'node:v8';
import { crc32 } from 'node:zlib';

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

/**
 * Raised when a well-formed entry was read under another key than the one it was stored under:
 * a reply matched to the wrong command (a desynchronised Redis connection), never a value to serve.
 */
export class EntryKeyMismatchError extends CorruptEntryError {
  constructor(
    readonly expectedKey: string,
    readonly storedKey: string,
  ) {
    super('entry stored under another key');
    this.name = EntryKeyMismatchError.name;
  }
}

// A magic tag inside the payload: anything without it is not ours. /2 added the key and the checksum.
const MAGIC = 'mc-entry/2';
const CHECKSUM_BYTES = 4;

/**
 * Encodes with V8's structured serializer: lossless for NaN, ±Infinity, -0, Date, BigInt, Map,
 * Set, typed arrays and `undefined` (JSON loses all of these), and the same bytes serve L1 and
 * L2, so both tiers return identical values and no caller can mutate what L1 holds.
 *
 * The entry carries the key it is stored under, so one read under another key (a reply matched to
 * the wrong command) is detected, and a CRC-32 of the serialized envelope as a 4-byte trailer, so
 * bytes altered on the way (a flipped digit of a price still deserializes) are detected too.
 */
export function encodeEntry(entry: CacheEntry, key: string): Buffer {
  const body = serialize([MAGIC, key, entry.createdAt, entry.staleAt, entry.expiresAt, entry.tags, entry.value]);
  const bytes = Buffer.allocUnsafe(body.length + CHECKSUM_BYTES);
  body.copy(bytes);
  bytes.writeUInt32BE(crc32(body), body.length);
  return bytes;
}

/**
 * @param expectedKey the key the bytes were read under; omitted, the stored key is not checked.
 * @throws EntryKeyMismatchError when the entry was stored under another key than `expectedKey`;
 * CorruptEntryError when `bytes` are not an intact entry written by `encodeEntry`.
 */
export function decodeEntry<T = unknown>(bytes: Buffer, expectedKey?: string): CacheEntry<T> {
  if (bytes.length <= CHECKSUM_BYTES) throw new CorruptEntryError('too short');
  const body = bytes.subarray(0, bytes.length - CHECKSUM_BYTES);
  if (crc32(body) !== bytes.readUInt32BE(body.length)) throw new CorruptEntryError('checksum mismatch');
  let decoded: unknown;
  try {
    decoded = deserialize(body);
  } catch (cause) {
    throw new CorruptEntryError('undecodable bytes', { cause });
  }
  if (!Array.isArray(decoded) || decoded.length !== 7 || decoded[0] !== MAGIC) {
    throw new CorruptEntryError('missing envelope');
  }
  const [, key, createdAt, staleAt, expiresAt, tags, value] = decoded as [string, unknown, unknown, unknown, unknown, unknown, T];
  if (typeof key !== 'string' || typeof createdAt !== 'number' || typeof staleAt !== 'number' || typeof expiresAt !== 'number' || !Array.isArray(tags)) {
    throw new CorruptEntryError('bad envelope fields');
  }
  if (expectedKey !== undefined && key !== expectedKey) throw new EntryKeyMismatchError(expectedKey, key);
  return { value, createdAt, staleAt, expiresAt, tags: tags as string[] };
}

/** Freshness of an entry at `now`. */
export type EntryState = 'fresh' | 'stale' | 'expired';

export function entryState(meta: Pick<EntryMeta, 'staleAt' | 'expiresAt'>, now: number): EntryState {
  if (now < meta.staleAt) return 'fresh';
  return now < meta.expiresAt ? 'stale' : 'expired';
}
