import type { RedisTopology } from '../cache';
import { boundedStateCall } from '../state/bounded-call';

/** The first answer to a keyed request (only 2xx answers are kept). */
export interface StoredAnswer {
  status: number;
  body: unknown;
}

/** What `begin` found: go ahead (holding `token`), an answer to replay, another request's key, or the first still running. */
export type BeginResult = { kind: 'started' } | { kind: 'replay'; answer: StoredAnswer } | { kind: 'mismatch' } | { kind: 'in-flight' };

/** How long a key is held while its first request runs (a crashed replica's hold lapses), and how long its answer is kept. */
export interface IdempotencyTtls {
  pendingMs: number;
  answerMs: number;
}

export const DEFAULT_IDEMPOTENCY_TTLS: IdempotencyTtls = { pendingMs: 30_000, answerMs: 24 * 3600_000 };

interface Record {
  fp: string;
  /** Present while the first request runs. */
  token?: string;
  answer?: StoredAnswer;
}

function classify(record: Record, fingerprint: string): BeginResult {
  if (record.fp !== fingerprint) return { kind: 'mismatch' };
  return record.answer ? { kind: 'replay', answer: record.answer } : { kind: 'in-flight' };
}

/** Idempotency keys: an abstract class so it is a DI token. */
export abstract class IdempotencyStore {
  /** Claims `scope` for a request under `token` (unique per attempt), or says what holds it. @throws StoreUnavailableError */
  abstract begin(scope: string, fingerprint: string, token: string): Promise<BeginResult>;
  /** Keeps the answer (for `answerMs`), if the claim `token` still holds the scope. @throws StoreUnavailableError */
  abstract complete(scope: string, fingerprint: string, token: string, answer: StoredAnswer): Promise<void>;
  /** Drops the claim (the request failed: a retry runs it again). @throws StoreUnavailableError */
  abstract release(scope: string, fingerprint: string, token: string): Promise<void>;
}

/** One process's keys (REDIS_ENABLED=false). */
export class MemoryIdempotencyStore extends IdempotencyStore {
  private readonly records = new Map<string, { record: Record; until: number }>();

  constructor(
    private readonly ttls: IdempotencyTtls = DEFAULT_IDEMPOTENCY_TTLS,
    private readonly clock: () => number = Date.now,
  ) {
    super();
  }

  async begin(scope: string, fingerprint: string, token: string): Promise<BeginResult> {
    const now = this.clock();
    for (const [key, entry] of this.records) if (entry.until <= now) this.records.delete(key);
    const held = this.records.get(scope);
    if (held) return classify(held.record, fingerprint);
    this.records.set(scope, { record: { fp: fingerprint, token }, until: now + this.ttls.pendingMs });
    return { kind: 'started' };
  }

  async complete(scope: string, fingerprint: string, token: string, answer: StoredAnswer): Promise<void> {
    const held = this.records.get(scope);
    if (held && held.record.token !== token) return;
    this.records.set(scope, { record: { fp: fingerprint, answer }, until: this.clock() + this.ttls.answerMs });
  }

  async release(scope: string, _fingerprint: string, token: string): Promise<void> {
    if (this.records.get(scope)?.record.token === token) this.records.delete(scope);
  }
}

// BEGIN (KEYS: record; ARGV: pending JSON, pending ms) → the stored JSON, or nil when claimed now.
const BEGIN = `local v = redis.call('get', KEYS[1])
if v then return v end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;
// COMPLETE (KEYS: record; ARGV: pending JSON, answer JSON, answer ms): only over our own claim (or a lapsed one).
const COMPLETE = `local v = redis.call('get', KEYS[1])
if v and v ~= ARGV[1] then return 0 end
redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;
// RELEASE (KEYS: record; ARGV: pending JSON): only our own claim.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

/**
 * Keys in the state namespace: `{state prefix}idem:<sha256(caller, key)>`, a JSON string with a
 * Redis expiry (pending: `pendingMs`; answered: `answerMs`). Each step is one script on one key.
 */
export class RedisIdempotencyStore extends IdempotencyStore {
  constructor(
    private readonly client: () => RedisTopology | undefined,
    private readonly statePrefix: string,
    private readonly ttls: IdempotencyTtls = DEFAULT_IDEMPOTENCY_TTLS,
    private readonly timeoutMs = 1000,
  ) {
    super();
  }

  async begin(scope: string, fingerprint: string, token: string): Promise<BeginResult> {
    const raw = await this.call((c) => c.eval(BEGIN, { keys: [this.keyOf(scope)], arguments: [pending(fingerprint, token), String(this.ttls.pendingMs)] }));
    if (raw === null || raw === undefined) return { kind: 'started' };
    return classify(JSON.parse(Buffer.isBuffer(raw) ? raw.toString() : String(raw)) as Record, fingerprint);
  }

  async complete(scope: string, fingerprint: string, token: string, answer: StoredAnswer): Promise<void> {
    const record: Record = { fp: fingerprint, answer };
    await this.call((c) =>
      c.eval(COMPLETE, { keys: [this.keyOf(scope)], arguments: [pending(fingerprint, token), JSON.stringify(record), String(this.ttls.answerMs)] }),
    );
  }

  async release(scope: string, fingerprint: string, token: string): Promise<void> {
    await this.call((c) => c.eval(RELEASE, { keys: [this.keyOf(scope)], arguments: [pending(fingerprint, token)] }));
  }

  private keyOf(scope: string): string {
    return `${this.statePrefix}idem:${scope}`;
  }

  private call<R>(op: (client: RedisTopology) => Promise<R>): Promise<R> {
    return boundedStateCall(this.client(), op, { what: 'Idempotency keys', timeoutMs: this.timeoutMs });
  }
}

const pending = (fingerprint: string, token: string) => JSON.stringify({ fp: fingerprint, token } satisfies Record);
