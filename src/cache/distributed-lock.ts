import { randomUUID } from 'node:crypto';
import { STATE_NAMESPACE } from './key-namespace';
import type { RemoteTier } from './tiers/remote-tier';

export interface DistributedLockOptions {
  /** How long a lease lives if its holder dies without releasing it. @default 10000 */
  leaseMs: number;
  /** How long another replica waits for the holder's value before computing it itself. @default 5000 */
  waitMs: number;
  /** Poll interval while waiting. @default 25 */
  pollMs: number;
}

/** What `acquire` found: we hold the lease, someone else does, or Redis could not tell. */
export type LeaseOutcome = { held: true; token: string } | { held: false; busy: boolean };

// In the state namespace: a pattern delete of cache keys (even `*`) must not free a held lease.
const leaseKey = (key: string) => `${STATE_NAMESPACE}lock:${key}`;

/**
 * Cross-replica stampede protection: before running a factory for a cold key, a replica takes
 * a short Redis lease (`SET NX PX` with a random token, in a script that refuses a token already
 * released: `lease-scripts.ts`). The others wait for the value to land
 * in L2 and fall back to computing it themselves if the holder dies (the lease vanishes without
 * a value) or the wait times out. With Redis unavailable, everyone computes locally.
 */
export class DistributedLock {
  constructor(
    private readonly remote: RemoteTier,
    readonly options: DistributedLockOptions,
  ) {}

  async acquire(key: string): Promise<LeaseOutcome> {
    if (!this.remote.available) return { held: false, busy: false };
    const token = randomUUID();
    const acquired = await this.remote.acquireLease(leaseKey(key), token, this.options.leaseMs);
    if (acquired) return { held: true, token };
    // No answer in time: a frozen or slow Redis may still run the acquire later and hold the key for
    // `leaseMs` with nobody to write the value, so every replica would wait `waitMs` for it (seen as
    // a 5 s p99 right after a freeze in test/e2e/redis-faults-http.e2e-spec.ts). The release sent
    // now leaves a tombstone for the token that the late acquire honours, in whichever order the
    // client delivers them (the Sentinel client may reorder: lease-scripts.ts).
    if (acquired === undefined) void this.release(key, token);
    return { held: false, busy: acquired === false };
  }

  release(key: string, token: string): Promise<void> {
    return this.remote.releaseLease(leaseKey(key), token, this.options.leaseMs);
  }

  /**
   * Polls for the holder's result: `read` returns it once it is in L2. Resolves undefined when
   * the lease is gone without a value (holder failed or died) or the wait ran out.
   */
  async waitFor<T>(key: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
    const deadline = Date.now() + this.options.waitMs;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs));
      const value = await read();
      if (value !== undefined) return value;
      if ((await this.remote.exists(leaseKey(key))) !== true) return read();
    }
    return undefined;
  }
}
