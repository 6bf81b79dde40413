import { AsyncLocalStorage } from 'node:async_hooks';
import { isDependencyTag, keyTag, MAX_DEPENDENCY_TAGS, WIDE_TAG } from './dependency-tags';

/** What a factory run read from the cache while it ran. */
export interface DependencyFrame {
  /** Earliest logical expiry among the cached values it read. */
  staleAt: number;
  /** Whether any of them was served stale. */
  stale: boolean;
  /** Whether the run is a background refresh (nobody waits on it). */
  background: boolean;
  /** What it was built from: `sym:{SYMBOL}` of upstream reads, `key:{key}` of cached reads, and theirs. */
  tags: Set<string>;
}

/**
 * Tracks, per factory run, the cached values it reads, so a value computed from cached inputs
 * never looks fresher than they are (an HTTP response built from a stale quote must not be
 * cached and served as `HIT` for a full TTL), and records what it was built from, so
 * invalidating an input (a symbol, a key) takes every entry derived from it along.
 */
export class DependencyTracker {
  private readonly storage = new AsyncLocalStorage<DependencyFrame>();

  /** Runs `fn` in a fresh frame; returns its value and what it read. */
  async run<T>(fn: () => Promise<T> | T, background: boolean): Promise<{ value: T; frame: DependencyFrame }> {
    const frame: DependencyFrame = { staleAt: Number.POSITIVE_INFINITY, stale: false, background, tags: new Set() };
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

  /** Records a cached value (stored under `key`) handed to the current factory run, if any. */
  record(result: { staleAt: number; source: string; tags?: readonly string[] }, key: string): void {
    const frame = this.storage.getStore();
    if (!frame) return;
    if (result.staleAt < frame.staleAt) frame.staleAt = result.staleAt;
    if (result.source === 'stale') frame.stale = true;
    frame.tags.add(keyTag(key));
    for (const tag of result.tags ?? []) if (isDependencyTag(tag)) frame.tags.add(tag);
  }

  /** Records an input that is not a cached value (an upstream read of a symbol), if a factory runs. */
  dependsOn(tag: string): void {
    this.storage.getStore()?.tags.add(tag);
  }
}

/** The dependency tags an entry stores: all of them, or `wide` past the bound. */
export function dependencyTagsOf(frame: DependencyFrame): string[] {
  return frame.tags.size > MAX_DEPENDENCY_TAGS || frame.tags.has(WIDE_TAG) ? [WIDE_TAG] : [...frame.tags];
}

/** Raised by a background refresh whose inputs were stale: the refresh is treated as failed. */
export class StaleInputsError extends Error {
  constructor(key: string) {
    super(`refresh of ${key} read stale inputs; keeping the current value`);
    this.name = StaleInputsError.name;
  }
}
