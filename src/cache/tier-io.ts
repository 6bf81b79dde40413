import { Logger } from '@nestjs/common';
import { CorruptEntryError, decodeEntry, encodeEntry, EntryKeyMismatchError, entryState, type CacheEntry } from './cache-entry';
import type { CacheEvents } from './cache.events';
import { policyOfKey } from './cache-keys';
import type { LifetimeFn, PolicyName, PolicySettings } from './cache-policies';
import type { CacheResult, CacheSource, WriteOptions } from './cache.types';
import type { LocalEntry, LocalTier } from './tiers/local-tier';
import type { RemoteTier, RemoteWrite } from './tiers/remote-tier';

// A desynchronised connection answers many reads wrongly at once: one log line per this many ms.
const MISMATCH_LOG_INTERVAL_MS = 10_000;

/**
 * Moving entries between the tiers: encoding a value into an entry (L1 at once, L2 write
 * returned to the caller), accepting bytes read from L2 (validate, backfill L1 with the entry's
 * own clock so its remaining lifetime is kept), and decoding L1 entries.
 */
export class TierIO {
  private readonly logger = new Logger(TierIO.name);
  private mismatchLoggedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly local: LocalTier,
    readonly remote: RemoteTier | undefined,
    private readonly policies: Record<PolicyName, PolicySettings>,
    private readonly events: CacheEvents,
    private readonly now: () => number,
    /** The exchange calendar's say on lifetimes (`cache-policies.ts`, `LifetimeRule`); none: the TTL as given. */
    private readonly lifetime?: LifetimeFn,
  ) {}

  /** The entry's lifetime if written now: the TTL given (or the policy's), through the policy's calendar rule. */
  ttlOf<T>(policy: PolicyName, value: T, ttl: WriteOptions<T>['ttlMs']): number {
    const ttlMs = typeof ttl === 'function' ? ttl(value) : (ttl ?? this.policies[policy].ttlMs);
    const rule = this.policies[policy].rule;
    return this.lifetime && rule ? this.lifetime(rule, ttlMs, this.now()) : ttlMs;
  }

  /**
   * Encodes and writes L1; returns the L2 write for the caller to send. `ttlMs`: a lifetime already
   * decided by `ttlOf` (the factory runner caps it by the inputs), not passed through the rule again.
   */
  store<T>(policy: PolicyName, key: string, value: T, options: WriteOptions<T>, ttlMs = this.ttlOf(policy, value, options.ttlMs)): RemoteWrite & CacheEntry<T> {
    const table = this.policies[policy];
    const graceMs = options.graceMs ?? table.graceMs;
    const createdAt = this.now();
    const entry: CacheEntry<T> = {
      value,
      createdAt,
      staleAt: createdAt + ttlMs,
      expiresAt: createdAt + ttlMs + graceMs,
      tags: [...table.tags, ...(options.tags ?? [])],
    };
    const bytes = encodeEntry(entry, key);
    this.local.set(key, localEntryOf(entry, bytes), createdAt);
    this.events.emit('written', { keys: [key] });
    return { ...entry, key, bytes, ttlMs: ttlMs + graceMs };
  }

  /** Reads L2; a fresh or graced entry backfills L1 with its remaining lifetime. */
  async readRemote<T>(key: string): Promise<CacheResult<T> | undefined> {
    if (!this.remote) return undefined;
    return this.acceptRemote<T>(key, await this.remote.get(key));
  }

  acceptRemote<T>(key: string, bytes: Buffer | undefined): CacheResult<T> | undefined {
    if (!bytes) return undefined;
    let entry: CacheEntry<T>;
    try {
      entry = decodeEntry<T>(bytes, key);
    } catch (error) {
      if (error instanceof EntryKeyMismatchError) return this.rejectMismatched(key, bytes, error);
      if (!(error instanceof CorruptEntryError)) throw error;
      // A foreign or corrupt value is a miss, and is removed so it cannot keep failing.
      this.events.emit('l2Error', { operation: 'decode', kind: 'corrupt' });
      void this.remote?.delete([key]);
      return undefined;
    }
    const now = this.now();
    const state = entryState(entry, now);
    if (state === 'expired') return undefined;
    this.local.set(key, localEntryOf(entry, bytes), now);
    if (state === 'fresh') this.events.emit('hit', { policy: policyOfKey(key), tier: 'l2' });
    return { ...entry, source: state === 'fresh' ? 'l2' : 'stale' };
  }

  /**
   * Another key's entry answered a read of `key`: the connection matched a reply to the wrong
   * command. A miss (never served, never copied into L1); the client is replaced and the key
   * deleted from L2 once the new one is connected, in case the entry really sits under it.
   */
  private rejectMismatched(key: string, bytes: Buffer, error: EntryKeyMismatchError): undefined {
    this.events.emit('entryMismatch', { tier: 'l2' });
    this.remote?.rejectReply(key, bytes);
    const now = this.now();
    if (now - this.mismatchLoggedAt >= MISMATCH_LOG_INTERVAL_MS) {
      this.mismatchLoggedAt = now;
      this.logger.warn(`L2 read of ${key} answered with the entry of ${error.storedKey}: treated as a miss, Redis client replaced`);
    }
    return undefined;
  }

  /**
   * `key`: the key L1 holds the entry under, checked against the entry's own. L1 only takes
   * entries stored or verified under their key, so a mismatch here is a bug and throws.
   */
  fromLocal<T>(entry: LocalEntry, source: CacheSource, key?: string): CacheResult<T> {
    const { value } = decodeEntry<T>(entry.bytes, key);
    return { value, source, createdAt: entry.createdAt, staleAt: entry.staleAt, expiresAt: entry.expiresAt, tags: entry.tags };
  }
}

/**
 * What L1 keeps of an entry: the bytes it counts against its bound and the times, never the
 * decoded value (a second, uncounted copy). A reply can be a view into a larger socket buffer:
 * L1 keeps a copy of its own, so an entry never holds alive a whole chunk its count does not see.
 */
function localEntryOf(entry: CacheEntry<unknown>, bytes: Buffer): LocalEntry {
  const own = bytes.byteLength < bytes.buffer.byteLength ? Buffer.from(bytes) : bytes;
  return { createdAt: entry.createdAt, staleAt: entry.staleAt, expiresAt: entry.expiresAt, tags: entry.tags, bytes: own };
}
