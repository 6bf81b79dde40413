import { AsyncLocalStorage } from 'node:async_hooks';

/** What a factory run read from the cache while it ran. */
export interface DependencyFrame {
  /** Earliest logical expiry among the cached values it read. */
  staleAt: number;
  /** Whether any of them was served stale. */
  stale: boolean;
  /** Whether the run is a background refresh (nobody waits on it). */
  background: boolean;
}

/**
 * Tracks, per factory run, the cached values it reads, so a value computed from cached inputs
 * never looks fresher than they are: an HTTP response built from a stale quote must not be
 * cached (and served as `HIT`) for a full TTL. The stack caps the result's TTL at the earliest
 * input expiry and refuses to cache a result built from stale inputs.
 */
export class DependencyTracker {
  private readonly storage = new AsyncLocalStorage<DependencyFrame>();

  /** Runs `fn` in a fresh frame; returns its value and what it read. */
  async run<T>(fn: () => Promise<T> | T, background: boolean): Promise<{ value: T; frame: DependencyFrame }> {
    const frame: DependencyFrame = { staleAt: Number.POSITIVE_INFINITY, stale: false, background };
    const value = await this.storage.run(frame, fn);
    return { value, frame };
  }

  /**
   * Inside a background refresh nobody waits, so a stale input is better refreshed than used:
   * otherwise two nested layers with equal TTLs would keep the outer one stale.
   */
  inBackgroundRefresh(): boolean {
    return this.storage.getStore()?.background ?? false;
  }

  /** Records a cached value handed to the current factory run, if any. */
  record(result: { staleAt: number; source: string }): void {
    const frame = this.storage.getStore();
    if (!frame) return;
    if (result.staleAt < frame.staleAt) frame.staleAt = result.staleAt;
    if (result.source === 'stale') frame.stale = true;
  }
}

/** Raised by a background refresh whose inputs were stale: the refresh is treated as failed. */
export class StaleInputsError extends Error {
  constructor(key: string) {
    super(`refresh of ${key} read stale inputs; keeping the current value`);
    this.name = StaleInputsError.name;
  }
}
