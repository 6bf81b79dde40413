import { Logger } from '@nestjs/common';
import type { RedisTopology } from '../cache';
import { ANONYMOUS } from '../auth';
import { boundedStateCall } from '../state/bounded-call';
import { isExpired, type AlertDefinition, type AlertEnding, type AlertEvent } from './alert-rules';
import { AlertStore, type AlertLookup, type EndResult, type QuarantineListener } from './alert-store';
import { MAX_ALERT_TTL_SECONDS } from './alerts.dto';

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
 * Alerts of an older layout: one JSON string per alert (`{prefix}{alerts}:alert:<id>`) and a set of
 * ids (`{alerts}:ids`): first under the cache's prefix on the cache's Redis (before state had its
 * namespace), then under the state prefix (before alerts had owners, statuses and a required
 * expiry). Before its first read this store moves them into the current store once, so an upgrade
 * keeps every live alert: owner `anonymous` (they were registered before callers had names), and
 * an alert without expiry gets the longest one (30 days from the move). Caps do not apply to them.
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
    private readonly legacyPrefix: string,
    private readonly clock: () => Date = () => new Date(),
    private readonly timeoutMs = 1000,
  ) {
    super();
  }

  override onQuarantined(listener: QuarantineListener): void {
    this.inner.onQuarantined(listener);
  }

  add(alert: AlertDefinition, options?: { unlimited?: boolean }): Promise<void> {
    return this.inner.add(alert, options);
  }

  async get(id: string): Promise<AlertLookup | undefined> {
    await this.importLegacy();
    return this.inner.get(id);
  }

  async list(): Promise<AlertDefinition[]> {
    await this.importLegacy();
    return this.inner.list();
  }

  async end(id: string, ending: AlertEnding): Promise<EndResult> {
    await this.importLegacy();
    return this.inner.end(id, ending);
  }

  eventsAfter(lastId: string, limit: number): Promise<AlertEvent[]> {
    return this.inner.eventsAfter(lastId, limit);
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
    const ids = await this.call((c) => c.sMembers(`${this.legacyPrefix}{alerts}:ids`));
    let moved = 0;
    for (const id of ids) {
      const keys = [`${this.legacyPrefix}{alerts}:alert:${id}`, `${this.legacyPrefix}{alerts}:ids`];
      const raw = await this.call((c) => c.eval(TAKE, { keys, arguments: [id] }));
      if (raw === null || raw === undefined) continue;
      const text = Buffer.isBuffer(raw) ? raw.toString() : String(raw);
      const alert = this.upgrade(text);
      if (!alert || isExpired(alert, this.clock())) continue;
      try {
        await this.inner.add(alert, { unlimited: true });
      } catch (error) {
        // Not stored on the other side: back where it was, for the next attempt.
        await this.call((c) => c.eval(PUT_BACK, { keys, arguments: [id, text] }));
        throw error;
      }
      moved++;
    }
    return moved;
  }

  // The first layout stored the alert itself, the second `{ expiresAtMs, alert }`.
  private upgrade(text: string): AlertDefinition | undefined {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.logger.warn(`An alert of the old key layout does not parse; dropped: ${text.slice(0, 200)}`);
      return undefined;
    }
    const old = (typeof parsed.alert === 'object' && parsed.alert !== null ? parsed.alert : parsed) as Omit<AlertDefinition, 'owner' | 'expiresAt'> & { expiresAt?: string | null };
    const longest = new Date(this.clock().getTime() + MAX_ALERT_TTL_SECONDS * 1000).toISOString();
    return { ...old, owner: ANONYMOUS, expiresAt: old.expiresAt ?? longest, webhookUrl: old.webhookUrl ?? null };
  }

  private call<T>(op: (client: RedisTopology) => Promise<T>): Promise<T> {
    return boundedStateCall(this.legacyClient(), op, { what: 'Price alerts', timeoutMs: this.timeoutMs });
  }
}
