import type { RedisTopology } from '../cache';
import { boundedStateCall } from '../state/bounded-call';
import { isExpired, type Alert } from './alert-rules';
import { AlertStore } from './alert-store';

// Every alert key shares the `{alerts}` hash tag: one slot on a cluster, so the scripts stay atomic there too.
const ADD = `redis.call('set', KEYS[1], ARGV[2])
redis.call('sadd', KEYS[2], ARGV[1])
return 1`;
// DEL answers 1 to exactly one caller: that caller fires (or deletes) the alert, nobody else. An
// alert past its expiry is removed but claimed by nobody (ARGV[2]: now, ms).
const CLAIM = `local stored = redis.call('get', KEYS[1])
redis.call('srem', KEYS[2], ARGV[1])
if not stored then return 0 end
redis.call('del', KEYS[1])
local expires = cjson.decode(stored).expiresAtMs
if expires > 0 and expires <= tonumber(ARGV[2]) then return 0 end
return 1`;
const FORGET = `for i = 1, #ARGV do redis.call('srem', KEYS[1], ARGV[i]) end
return #ARGV`;

/** What is stored: the alert and its expiry in ms (0: none), which the claim script reads. */
interface StoredAlert {
  expiresAtMs: number;
  alert: Alert;
}

/**
 * Alerts in the state namespace (`StateConnection`): one string per alert
 * (`{state prefix}{alerts}:alert:<id>`) and a set of ids (`{alerts}:ids`). No key carries a Redis
 * expiry, so a `volatile-*` eviction policy never evicts an alert; an expired alert is ignored by
 * every read and removed when listed. Every call is bounded: a frozen Redis gives a 503 rather
 * than a hung request.
 */
export class RedisAlertStore extends AlertStore {
  private readonly indexKey: string;

  constructor(
    private readonly client: () => RedisTopology | undefined,
    private readonly statePrefix: string,
    private readonly timeoutMs = 1000,
    private readonly clock: () => Date = () => new Date(),
  ) {
    super();
    this.indexKey = `${statePrefix}{alerts}:ids`;
  }

  async add(alert: Alert): Promise<void> {
    const stored: StoredAlert = { expiresAtMs: alert.expiresAt === null ? 0 : Date.parse(alert.expiresAt), alert };
    await this.call((c) => c.eval(ADD, { keys: [this.keyOf(alert.id), this.indexKey], arguments: [alert.id, JSON.stringify(stored)] }));
  }

  async get(id: string): Promise<Alert | undefined> {
    const raw = await this.call((c) => c.get(this.keyOf(id)));
    const alert = raw ? this.decode(raw) : undefined;
    return alert && !isExpired(alert, this.clock()) ? alert : undefined;
  }

  async list(): Promise<Alert[]> {
    const ids = await this.call((c) => c.sMembers(this.indexKey));
    if (ids.length === 0) return [];
    const raws = await this.call((c) => c.mGet(ids.map((id) => this.keyOf(id))));
    const now = this.clock();
    const live: Alert[] = [];
    const gone: string[] = [];
    const expired: string[] = [];
    raws.forEach((raw, i) => {
      const alert = raw === null ? undefined : this.decode(raw);
      if (!alert) gone.push(ids[i]);
      else if (isExpired(alert, now)) expired.push(ids[i]);
      else live.push(alert);
    });
    // Nothing in Redis expires an alert: the listing (every poll) removes the expired ones.
    if (gone.length > 0) await this.call((c) => c.eval(FORGET, { keys: [this.indexKey], arguments: gone }));
    for (const id of expired) await this.claim(id);
    return live;
  }

  async claim(id: string): Promise<boolean> {
    const now = String(this.clock().getTime());
    return (await this.call((c) => c.eval(CLAIM, { keys: [this.keyOf(id), this.indexKey], arguments: [id, now] }))) === 1;
  }

  private keyOf(id: string): string {
    return `${this.statePrefix}{alerts}:alert:${id}`;
  }

  private decode(raw: Buffer): Alert {
    return (JSON.parse(raw.toString()) as StoredAlert).alert;
  }

  private call<T>(op: (client: RedisTopology) => Promise<T>): Promise<T> {
    return boundedStateCall(this.client(), op, { what: 'Price alerts', timeoutMs: this.timeoutMs });
  }
}
