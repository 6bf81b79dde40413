import { randomUUID } from 'node:crypto';
import { ACQUIRE_LEASE, RELEASE_LEASE, tombstoneKey } from '../cache/lease-scripts';

/** The few node-redis calls a lease needs (the state's client, or a test's). */
export interface LeaseClient {
  readonly isReady: boolean;
  set(key: string, value: string, options: { condition: 'NX'; expiration: { type: 'PX'; value: number } }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

export type LeaseResult =
  | { state: 'acquired'; token: string }
  /** Another holder has it: skip the job. */
  | { state: 'busy' }
  /** No Redis (disabled, down, or too slow): the caller decides; warmup runs locally. */
  | { state: 'unavailable'; reason: string };

// Compare-and-act: a holder whose lease expired (and was taken by another) must not touch the new one.
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

/** A client, or where to find the current one (a connection may replace its client after a fault). */
export type LeaseClientSource = LeaseClient | (() => LeaseClient | undefined) | undefined;

/**
 * A Redis lease for jobs that one replica at a time should run (the scheduled warmup):
 * `SET key token NX PX ttl` (in a script that refuses a released token: `cache/lease-scripts.ts`),
 * renewed while the job runs, released by compare-and-delete leaving a tombstone for the token.
 * Every call is bounded by `timeoutMs`, because a frozen Redis would otherwise hang the job.
 */
export class RedisLease {
  constructor(
    private readonly source: LeaseClientSource,
    readonly key: string,
    private readonly timeoutMs = 1000,
  ) {}

  private get client(): LeaseClient | undefined {
    return typeof this.source === 'function' ? this.source() : this.source;
  }

  async acquire(ttlMs: number): Promise<LeaseResult> {
    const client = this.client;
    if (!client) return { state: 'unavailable', reason: 'Redis is disabled' };
    if (!client.isReady) return { state: 'unavailable', reason: 'Redis is not connected' };
    const token = randomUUID();
    try {
      const reply = await this.bounded(client.eval(ACQUIRE_LEASE, { keys: [this.key, tombstoneKey(this.key, token)], arguments: [token, String(ttlMs)] }));
      return Number(reply) === 1 ? { state: 'acquired', token } : { state: 'busy' };
    } catch (error) {
      // No answer in time: the acquire may still run later and hold the job for ttlMs with nobody
      // running it. This release's tombstone refuses it, whichever of the two Redis runs first.
      void this.script(RELEASE_LEASE, [token, String(ttlMs)], token);
      return { state: 'unavailable', reason: (error as Error).message };
    }
  }

  /** Extends the lease if `token` still holds it; false when it was lost (expired and taken, or Redis failed). */
  async renew(token: string, ttlMs: number): Promise<boolean> {
    return (await this.script(RENEW, [token, String(ttlMs)])) === 1;
  }

  /** Frees the lease only if `token` still holds it; true when this call deleted it. */
  async release(token: string, ttlMs = 60_000): Promise<boolean> {
    return (await this.script(RELEASE_LEASE, [token, String(ttlMs)], token)) === 1;
  }

  /** `tombstoneOf`: the token whose tombstone is the script's second key (acquire and release). */
  private async script(script: string, args: string[], tombstoneOf?: string): Promise<unknown> {
    const client = this.client;
    if (!client?.isReady) return undefined;
    const keys = tombstoneOf === undefined ? [this.key] : [this.key, tombstoneKey(this.key, tombstoneOf)];
    try {
      return await this.bounded(client.eval(script, { keys, arguments: args }));
    } catch {
      // An unreleased lease expires by itself within its TTL.
      return undefined;
    }
  }

  private bounded<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      timer.unref();
    });
    return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
  }
}
