import { EventEmitter } from 'node:events';
import type { BreakerState } from './circuit-breaker';
import type { RedisRefusal } from './redis-faults';
import type { RedisResetReason } from './redis-topology';

export type Tier = 'l1' | 'l2';

/** Every event the cache emits, by name. Metrics and stats subscribe; nothing in the hot path awaits them. */
export interface CacheEventMap {
  hit: { policy: string; tier: Tier };
  miss: { policy: string };
  /** A value past its TTL but within grace was served. */
  stale: { policy: string; reason: 'refreshing' | 'factory-error' };
  factory: { policy: string; durationMs: number; ok: boolean; background: boolean };
  /** A caller joined an in-flight factory run instead of starting its own. */
  coalesced: { policy: string };
  l2Error: { operation: string; kind: 'timeout' | 'circuit-open' | 'error' | 'corrupt' };
  l2Latency: { operation: string; durationMs: number };
  breaker: { state: BreakerState };
  /** An entry read under one key was stored under another (a reply matched to the wrong command): a miss. */
  entryMismatch: { tier: Tier };
  /** A desynchronised Redis client was destroyed and replaced. */
  redisReset: { reason: RedisResetReason };
  /** Redis refused a command (OOM, READONLY, MISCONF, NOPERM on a write; AUTH on any): it answers, but not as asked. */
  redisRefused: { operation: string; reason: RedisRefusal };
  written: { keys: readonly string[] };
  deleted: { keys: readonly string[] };
  /** `remote`: announced by another replica over the bus (already deleted in L2; L1 dropped here). */
  invalidated: { pattern?: string; tag?: string; tags?: readonly string[]; count: number; remote?: boolean };
}

export type CacheEventName = keyof CacheEventMap;

/** A typed EventEmitter for `CacheEventMap`. */
export class CacheEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Metrics, stats, the bus and tests may all listen; this is not a leak.
    this.emitter.setMaxListeners(50);
  }

  emit<E extends CacheEventName>(event: E, payload: CacheEventMap[E]): void {
    this.emitter.emit(event, payload);
  }

  on<E extends CacheEventName>(event: E, listener: (payload: CacheEventMap[E]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }
}
