import type { RedisTopology } from '../cache';
import { boundedStateCall } from './bounded-call';
import { StateRecords } from './state-records';

// One hash tag per collection: records and index share a slot, so the scripts stay atomic on a cluster.
// PUT: store, stamp the write time in the index; answers the ids whose last write is past retention.
const PUT = `redis.call('set', KEYS[1], ARGV[2])
redis.call('zadd', KEYS[2], ARGV[3], ARGV[1])
return redis.call('zrangebyscore', KEYS[2], '-inf', '(' .. ARGV[4])`;
// DROP: those records, each key declared (a cluster routes and checks scripts by their KEYS).
const DROP = `for i = 2, #KEYS do redis.call('del', KEYS[i]) end
for i = 1, #ARGV do redis.call('zrem', KEYS[1], ARGV[i]) end
return #ARGV`;
// GET: only while the last write is within retention (nothing in Redis expires these records).
const GET = `local at = redis.call('zscore', KEYS[2], ARGV[1])
if not at or tonumber(at) < tonumber(ARGV[2]) then return false end
return redis.call('get', KEYS[1])`;

/**
 * State records in Redis as JSON: `{state prefix}{<collection>}:r:<id>` plus an index of write times
 * `{state prefix}{<collection>}:index` (a sorted set). No key has an expiry: under a `volatile-*`
 * policy Redis never evicts them; the retention is applied here, on every read and write.
 */
export class RedisStateRecords<T> extends StateRecords<T> {
  private readonly base: string;
  private readonly indexKey: string;

  constructor(
    private readonly client: () => RedisTopology | undefined,
    statePrefix: string,
    collection: string,
    private readonly retentionMs: number,
    private readonly what: string,
    private readonly timeoutMs = 1000,
    private readonly clock: () => number = Date.now,
  ) {
    super();
    // `r:` keeps a record id from ever naming the index.
    this.base = `${statePrefix}{${collection}}:r:`;
    this.indexKey = `${statePrefix}{${collection}}:index`;
  }

  async put(id: string, value: T): Promise<void> {
    const now = this.clock();
    const stale = (await this.call((c) =>
      c.eval(PUT, { keys: [this.keyOf(id), this.indexKey], arguments: [id, JSON.stringify(value), String(now), String(now - this.retentionMs)] }),
    )) as unknown[];
    const ids = stale.map(String);
    // Idempotent: a prune that fails now is redone by the next write.
    if (ids.length > 0) await this.call((c) => c.eval(DROP, { keys: [this.indexKey, ...ids.map((old) => this.keyOf(old))], arguments: ids }));
  }

  async get(id: string): Promise<T | undefined> {
    const raw = await this.call((c) => c.eval(GET, { keys: [this.keyOf(id), this.indexKey], arguments: [id, String(this.clock() - this.retentionMs)] }));
    if (raw === null || raw === undefined) return undefined;
    return JSON.parse(Buffer.isBuffer(raw) ? raw.toString() : String(raw)) as T;
  }

  private keyOf(id: string): string {
    return `${this.base}${id}`;
  }

  private call<R>(op: (client: RedisTopology) => Promise<R>): Promise<R> {
    return boundedStateCall(this.client(), op, { what: this.what, timeoutMs: this.timeoutMs });
  }
}
