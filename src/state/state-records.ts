/**
 * A collection of state records (e.g. the day's screenings), each kept `retentionMs` after its
 * last write. Not a cache: no cache operation (pattern delete, tag or symbol invalidation, the
 * CLI's `clear`) can remove one, and in Redis the records carry no expiry of their own, so a
 * `volatile-*` eviction policy never picks them (retention is enforced by the store: reads
 * ignore, and writes prune, records past it). An abstract class so it is a DI base.
 */
export abstract class StateRecords<T> {
  /** Stores (or replaces) a record; its retention restarts. @throws StoreUnavailableError */
  abstract put(id: string, value: T): Promise<void>;
  /** The record, or undefined when none is kept for `id`. @throws StoreUnavailableError */
  abstract get(id: string): Promise<T | undefined>;
}

/** Records of one process (REDIS_ENABLED=false): a single replica is assumed. */
export class MemoryStateRecords<T> extends StateRecords<T> {
  private readonly records = new Map<string, { value: T; storedAt: number }>();

  constructor(
    private readonly retentionMs: number,
    private readonly clock: () => number = Date.now,
  ) {
    super();
  }

  async put(id: string, value: T): Promise<void> {
    const now = this.clock();
    this.records.delete(id);
    this.records.set(id, { value, storedAt: now });
    // Insertion order is write order: the oldest writes come first.
    for (const [key, record] of this.records) {
      if (record.storedAt > now - this.retentionMs) break;
      this.records.delete(key);
    }
  }

  async get(id: string): Promise<T | undefined> {
    const record = this.records.get(id);
    return record && record.storedAt > this.clock() - this.retentionMs ? record.value : undefined;
  }
}
