import type { RedisConnection } from '../cache';
import { StoreUnavailableError } from '../common/errors';
import type { Alert } from './alert-rules';
import { AlertStore } from './alert-store';

// Every alert key shares the `{alerts}` hash tag: one slot on a cluster, so the scripts stay atomic there too.
const ADD = `redis.call('set', KEYS[1], ARGV[2])
if tonumber(ARGV[3]) > 0 then redis.call('pexpire', KEYS[1], ARGV[3]) end
redis.call('sadd', KEYS[2], ARGV[1])
return 1`;
// DEL answers 1 to exactly one caller: that caller fires (or deletes) the alert, nobody else.
const CLAIM = `local removed = redis.call('del', KEYS[1])
redis.call('srem', KEYS[2], ARGV[1])
return removed`;
type RedisClient = NonNullable<RedisConnection['client']>;

const FORGET = `for i = 1, #ARGV do redis.call('srem', KEYS[1], ARGV[i]) end
return #ARGV`;

/**
 * Alerts in Redis under `REDIS_PREFIX`: one string per alert (`{alerts}:alert:<id>`, with a PX
 * expiry when the alert has one) and a set of ids (`{alerts}:ids`). Every call is bounded: a
 * frozen Redis gives a 503 rather than a hung request.
 */
export class RedisAlertStore extends AlertStore {
  private readonly indexKey: string;

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly timeoutMs = 1000,
    private readonly clock: () => Date = () => new Date(),
  ) {
    super();
    this.indexKey = `${prefix}{alerts}:ids`;
  }

  async add(alert: Alert): Promise<void> {
    const ttlMs = alert.expiresAt === null ? 0 : Math.max(1, Date.parse(alert.expiresAt) - this.clock().getTime());
    await this.call(() => this.client.eval(ADD, { keys: [this.keyOf(alert.id), this.indexKey], arguments: [alert.id, JSON.stringify(alert), String(ttlMs)] }));
  }

  async get(id: string): Promise<Alert | undefined> {
    const raw = await this.call(() => this.client.get(this.keyOf(id)));
    return raw ? (JSON.parse(raw.toString()) as Alert) : undefined;
  }

  async list(): Promise<Alert[]> {
    const ids = await this.call(() => this.client.sMembers(this.indexKey));
    if (ids.length === 0) return [];
    const raws = await this.call(() => this.client.mGet(ids.map((id) => this.keyOf(id))));
    // Ids whose alert expired stay in the set until listed once.
    const gone = ids.filter((_, i) => raws[i] === null);
    if (gone.length > 0) await this.call(() => this.client.eval(FORGET, { keys: [this.indexKey], arguments: gone }));
    return raws.filter((raw): raw is Buffer => raw !== null).map((raw) => JSON.parse(raw.toString()) as Alert);
  }

  async claim(id: string): Promise<boolean> {
    return (await this.call(() => this.client.eval(CLAIM, { keys: [this.keyOf(id), this.indexKey], arguments: [id] }))) === 1;
  }

  private keyOf(id: string): string {
    return `${this.prefix}{alerts}:alert:${id}`;
  }

  private async call<T>(op: () => Promise<T>): Promise<T> {
    if (!this.client.isReady) throw new StoreUnavailableError('Price alerts are stored in Redis, which is not connected; retry shortly');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailableError(`Redis did not answer within ${this.timeoutMs} ms; retry shortly`)), this.timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([op(), deadline]);
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError(`Price alert store failed: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}
