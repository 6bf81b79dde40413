import { Logger } from '@nestjs/common';
import type { RedisTopology } from '../cache';
import { boundedStateCall } from '../state/bounded-call';
import { isExpired, type Alert } from './alert-rules';
import { AlertStore } from './alert-store';

// Takes one alert of the old layout atomically (GET + DEL + SREM): of several replicas importing
// at once, exactly one receives it, so an alert is never re-added after it fired.
const TAKE = `local stored = redis.call('get', KEYS[1])
if stored then redis.call('del', KEYS[1]) end
redis.call('srem', KEYS[2], ARGV[1])
return stored`;
const PUT_BACK = `redis.call('set', KEYS[1], ARGV[2])
redis.call('sadd', KEYS[2], ARGV[1])
return 1`;
// A failed import (a Redis not connected yet) is tried again after this long, by the next read.
const RETRY_MS = 5_000;

/**
 * Alerts written before state had its namespace sat under the cache's prefix
 * (`{REDIS_PREFIX}{alerts}:alert:<id>` + `{alerts}:ids`, on the cache's Redis). Before its first
 * read this store moves them into the state store once, so an upgrade keeps every live alert.
 * Writes go straight through; reads wait for the import (one SMEMBERS once nothing is left).
 */
export class ImportingAlertStore extends AlertStore {
  private readonly logger = new Logger('AlertStore');
  private imported = false;
  private retryAt = 0;
  private running?: Promise<void>;

  constructor(
    private readonly inner: AlertStore,
    private readonly legacyClient: () => RedisTopology | undefined,
    private readonly cachePrefix: string,
    private readonly clock: () => Date = () => new Date(),
    private readonly timeoutMs = 1000,
  ) {
    super();
  }

  add(alert: Alert): Promise<void> {
    return this.inner.add(alert);
  }

  async get(id: string): Promise<Alert | undefined> {
    await this.importLegacy();
    return this.inner.get(id);
  }

  async list(): Promise<Alert[]> {
    await this.importLegacy();
    return this.inner.list();
  }

  async claim(id: string): Promise<boolean> {
    await this.importLegacy();
    return this.inner.claim(id);
  }

  private async importLegacy(): Promise<void> {
    if (this.imported || this.clock().getTime() < this.retryAt) return;
    this.running ??= this.importAll()
      .then((count) => {
        this.imported = true;
        if (count > 0) this.logger.log(`Moved ${count} alerts of the old key layout into the state namespace`);
      })
      .catch((error: Error) => {
        this.retryAt = this.clock().getTime() + RETRY_MS;
        this.logger.warn(`Alerts of the old key layout not moved yet (retry in ${RETRY_MS / 1000} s): ${error.message}`);
      })
      .finally(() => (this.running = undefined));
    await this.running;
  }

  private async importAll(): Promise<number> {
    const ids = await this.call((c) => c.sMembers(`${this.cachePrefix}{alerts}:ids`));
    let moved = 0;
    for (const id of ids) {
      const keys = [`${this.cachePrefix}{alerts}:alert:${id}`, `${this.cachePrefix}{alerts}:ids`];
      const raw = await this.call((c) => c.eval(TAKE, { keys, arguments: [id] }));
      if (raw === null || raw === undefined) continue;
      const text = Buffer.isBuffer(raw) ? raw.toString() : String(raw);
      const alert = JSON.parse(text) as Alert;
      if (isExpired(alert, this.clock())) continue;
      try {
        await this.inner.add(alert);
      } catch (error) {
        // Not stored on the other side: back where it was, for the next attempt.
        await this.call((c) => c.eval(PUT_BACK, { keys, arguments: [id, text] }));
        throw error;
      }
      moved++;
    }
    return moved;
  }

  private call<T>(op: (client: RedisTopology) => Promise<T>): Promise<T> {
    return boundedStateCall(this.legacyClient(), op, { what: 'Price alerts', timeoutMs: this.timeoutMs });
  }
}
