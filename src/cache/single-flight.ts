/**
 * Per-key promise sharing: while a call for a key is in flight, later callers for the same key
 * get the same promise (value or error) instead of starting their own. The map only holds
 * in-flight calls, so it is bounded by concurrency, not by the key space.
 */
export class SingleFlight {
  private readonly inflight = new Map<string, Promise<unknown>>();

  /** Runs `fn` unless a call for `key` is in flight; `joined` tells which happened. */
  run<T>(key: string, fn: () => Promise<T>): { promise: Promise<T>; joined: boolean } {
    const existing = this.inflight.get(key);
    if (existing) return { promise: existing as Promise<T>, joined: true };
    // Deferred by one microtask so that even a synchronous throw settles after the key is registered.
    const promise = Promise.resolve()
      .then(fn)
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return { promise, joined: false };
  }

  has(key: string): boolean {
    return this.inflight.has(key);
  }

  get size(): number {
    return this.inflight.size;
  }
}
