import type { RedisTopology } from '../../cache';
import { boundedStateCall } from '../../state/bounded-call';

/** One pending webhook delivery: the notification to POST and how many attempts it has had. */
export interface WebhookJob {
  id: string;
  alertId: string;
  url: string;
  /** The notification JSON, as POSTed. */
  body: string;
  /** Attempts made so far. */
  attempts: number;
  createdAt: string;
}

/**
 * Pending webhook deliveries and their retries: each job is due at a time; a worker `claim`s the
 * due ones with a lease (its due time moves to the lease's end, under the worker's token), then
 * `finish`es or `retry`s them with that token. A worker that dies holding a claim loses nothing:
 * when the lease ends the job is due again and any replica claims it. A late `finish`/`retry` by a
 * worker whose lease was taken over does nothing (answers false). At least once: a receiver may
 * see a notification twice (same `x-alert-id`), never zero times while attempts remain.
 */
export abstract class WebhookQueue {
  /** @throws StoreUnavailableError */
  abstract add(job: WebhookJob, dueAt: number): Promise<void>;
  /** Up to `max` jobs due at `now`, leased to `token` until `leaseUntil`. @throws StoreUnavailableError */
  abstract claim(now: number, leaseUntil: number, max: number, token: string): Promise<WebhookJob[]>;
  /** Removes a claimed job (delivered or given up); false when the claim was lost. @throws StoreUnavailableError */
  abstract finish(id: string, token: string): Promise<boolean>;
  /** Stores the job's new state and makes it due at `dueAt`; false when the claim was lost. @throws StoreUnavailableError */
  abstract retry(job: WebhookJob, dueAt: number, token: string): Promise<boolean>;
  /** Jobs pending (claimed or not). @throws StoreUnavailableError */
  abstract size(): Promise<number>;
}

/** Jobs of this process (REDIS_ENABLED=false, or Redis unreachable when an alert fired): lost with it. */
export class MemoryWebhookQueue extends WebhookQueue {
  private readonly jobs = new Map<string, { job: WebhookJob; dueAt: number; token?: string }>();

  async add(job: WebhookJob, dueAt: number): Promise<void> {
    this.jobs.set(job.id, { job, dueAt });
  }

  async claim(now: number, leaseUntil: number, max: number, token: string): Promise<WebhookJob[]> {
    const due = [...this.jobs.values()].filter((entry) => entry.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt).slice(0, Math.max(0, max));
    for (const entry of due) Object.assign(entry, { dueAt: leaseUntil, token });
    return due.map((entry) => entry.job);
  }

  async finish(id: string, token: string): Promise<boolean> {
    if (this.jobs.get(id)?.token !== token) return false;
    return this.jobs.delete(id);
  }

  async retry(job: WebhookJob, dueAt: number, token: string): Promise<boolean> {
    if (this.jobs.get(job.id)?.token !== token) return false;
    this.jobs.set(job.id, { job, dueAt });
    return true;
  }

  async size(): Promise<number> {
    return this.jobs.size;
  }
}

// One hash tag for the three keys: one slot on a cluster, so each script is atomic there too.
const ADD = `redis.call('hset', KEYS[2], ARGV[1], ARGV[2])
redis.call('zadd', KEYS[1], ARGV[3], ARGV[1])
return 1`;
// KEYS: due, jobs, owners. ARGV: now, leaseUntil, max, token. Atomic, so one claimer per job and lease.
const CLAIM = `local ids = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local job = redis.call('hget', KEYS[2], id)
  if job then
    redis.call('zadd', KEYS[1], ARGV[2], id)
    redis.call('hset', KEYS[3], id, ARGV[4])
    out[#out + 1] = job
  else
    redis.call('zrem', KEYS[1], id)
    redis.call('hdel', KEYS[3], id)
  end
end
return out`;
const FINISH = `if redis.call('hget', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('hdel', KEYS[2], ARGV[1])
redis.call('hdel', KEYS[3], ARGV[1])
redis.call('zrem', KEYS[1], ARGV[1])
return 1`;
const RETRY = `if redis.call('hget', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('hset', KEYS[2], ARGV[1], ARGV[3])
redis.call('hdel', KEYS[3], ARGV[1])
redis.call('zadd', KEYS[1], ARGV[4], ARGV[1])
return 1`;

/**
 * Jobs in the state namespace (`StateConnection`), shared by every replica:
 * `{state prefix}{webhooks}:due` (sorted set: id → due time, ms), `{webhooks}:jobs` (hash: id →
 * job JSON) and `{webhooks}:owners` (hash: id → token of the lease holder). No key carries an
 * expiry; a job leaves when it is delivered or given up. Every call is bounded (`boundedStateCall`).
 */
export class RedisWebhookQueue extends WebhookQueue {
  private readonly keys: [string, string, string];

  constructor(
    private readonly client: () => RedisTopology | undefined,
    statePrefix: string,
    private readonly timeoutMs = 1000,
  ) {
    super();
    const base = `${statePrefix}{webhooks}:`;
    this.keys = [`${base}due`, `${base}jobs`, `${base}owners`];
  }

  async add(job: WebhookJob, dueAt: number): Promise<void> {
    await this.call((c) => c.eval(ADD, { keys: this.keys, arguments: [job.id, JSON.stringify(job), String(dueAt)] }));
  }

  async claim(now: number, leaseUntil: number, max: number, token: string): Promise<WebhookJob[]> {
    if (max <= 0) return [];
    const raws = (await this.call((c) => c.eval(CLAIM, { keys: this.keys, arguments: [String(now), String(leaseUntil), String(max), token] }))) as unknown[];
    return raws.map((raw) => JSON.parse(Buffer.isBuffer(raw) ? raw.toString() : String(raw)) as WebhookJob);
  }

  async finish(id: string, token: string): Promise<boolean> {
    return (await this.call((c) => c.eval(FINISH, { keys: this.keys, arguments: [id, token] }))) === 1;
  }

  async retry(job: WebhookJob, dueAt: number, token: string): Promise<boolean> {
    return (await this.call((c) => c.eval(RETRY, { keys: this.keys, arguments: [job.id, token, JSON.stringify(job), String(dueAt)] }))) === 1;
  }

  async size(): Promise<number> {
    return Number(await this.call((c) => c.eval(`return redis.call('hlen', KEYS[2])`, { keys: this.keys, arguments: [] })));
  }

  private call<T>(op: (client: RedisTopology) => Promise<T>): Promise<T> {
    return boundedStateCall(this.client(), op, { what: 'Webhook deliveries', timeoutMs: this.timeoutMs });
  }
}
