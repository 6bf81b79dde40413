import { Logger } from '@nestjs/common';
import type { RedisTopology } from '../cache';
import { boundedStateCall } from '../state/bounded-call';
import { activeAlert, ALERT_STATUSES, isExpired, parseDefinition, type Alert, type AlertDefinition, type AlertEnding, type AlertEvent, type AlertNotification, type AlertStatus } from './alert-rules';
import { AlertStore, type AlertLookup, type AlertStoreLimits, type EndResult } from './alert-store';
import { AlertLimitError } from './alerts.errors';

// Every key shares the `{alerts}` hash tag (one slot on a cluster) and every script declares each
// key it touches, so the scripts stay atomic and routable there too.

// ADD (KEYS: record, live, owners; ARGV: id, definition JSON, owner, expiresAt ms, per-owner cap, total cap; 0 = none)
// → 1 stored, -1 owner at its cap, -2 service at its cap, 0 the id exists.
const ADD = `if redis.call('exists', KEYS[1]) == 1 then return 0 end
local total = tonumber(ARGV[6])
if total > 0 and redis.call('hlen', KEYS[2]) >= total then return -2 end
local per = tonumber(ARGV[5])
if per > 0 and tonumber(redis.call('hget', KEYS[3], ARGV[3]) or '0') >= per then return -1 end
redis.call('hset', KEYS[1], 'def', ARGV[2], 'owner', ARGV[3], 'status', 'active', 'expiresAt', ARGV[4])
redis.call('hset', KEYS[2], ARGV[1], ARGV[2])
redis.call('hincrby', KEYS[3], ARGV[3], 1)
return 1`;

// END (KEYS: record, live, owners, ended, events; ARGV: id, status, now ms, notification JSON,
// firedAt, firedPrice, events max) → {1 | 0 | -1, event id?}. Only an `active` record moves, so of
// every replica firing, deleting or expiring one alert at once exactly one gets 1. An alert past its
// expiry becomes `expired` whoever asked (0 unless the sweep asked). -1: no record, or not a hash (quarantine it).
// A fired alert's notification is appended to the bounded stream in the same step.
const END = `if redis.call('type', KEYS[1]).ok ~= 'hash' then return {-1} end
local status = redis.call('hget', KEYS[1], 'status')
if not status then return {-1} end
if status ~= 'active' then return {0} end
local next = ARGV[2]
local ended = ARGV[3]
local won = 1
local expires = tonumber(redis.call('hget', KEYS[1], 'expiresAt'))
if expires and expires <= tonumber(ARGV[3]) then
  ended = redis.call('hget', KEYS[1], 'expiresAt')
  if next ~= 'expired' then won = 0 end
  next = 'expired'
end
local owner = redis.call('hget', KEYS[1], 'owner')
local id = false
if next == 'fired' then
  id = redis.call('xadd', KEYS[5], 'MAXLEN', '~', ARGV[7], '*', 'owner', owner or '', 'n', ARGV[4])
  redis.call('hset', KEYS[1], 'firedAt', ARGV[5], 'firedPrice', ARGV[6], 'eventId', id)
end
redis.call('hset', KEYS[1], 'status', next, 'endedAt', ended)
redis.call('hdel', KEYS[2], ARGV[1])
if owner and redis.call('hincrby', KEYS[3], owner, -1) <= 0 then redis.call('hdel', KEYS[3], owner) end
redis.call('zadd', KEYS[4], ended, ARGV[1])
if id then return {won, id, owner or ''} end
return {won}`;

// GET (KEYS: record, quarantine; ARGV: id) → {'q'} quarantined, {'r', fields...}, {'bad', type}, or nil.
const GET = `if redis.call('hexists', KEYS[2], ARGV[1]) == 1 then return {'q'} end
local t = redis.call('type', KEYS[1]).ok
if t == 'none' then return false end
if t ~= 'hash' then return {'bad', t} end
local reply = redis.call('hgetall', KEYS[1])
table.insert(reply, 1, 'r')
return reply`;

// LIST (KEYS: live) → id, definition, id, definition...: one command per listing.
const LIST = `return redis.call('hgetall', KEYS[1])`;

// QUARANTINE (KEYS: record, live, owners, ended, quarantine; ARGV: id, reason, now ms, owner hint)
// moves whatever is stored for the alert (record and live entry, any type) under the quarantine
// hash, where an operator finds it, and takes it out of every listing and count.
const QUARANTINE = `local info = {at = ARGV[3], reason = ARGV[2]}
local t = redis.call('type', KEYS[1]).ok
local owner = ARGV[4]
local active = true
if t == 'hash' then
  info.record = redis.call('hgetall', KEYS[1])
  owner = redis.call('hget', KEYS[1], 'owner') or owner
  local st = redis.call('hget', KEYS[1], 'status')
  if st and st ~= 'active' then active = false end
elseif t == 'string' then
  info.record = redis.call('get', KEYS[1])
elseif t ~= 'none' then
  info.record = t
end
local live = redis.call('hget', KEYS[2], ARGV[1])
if live then info.live = live end
redis.call('hset', KEYS[5], ARGV[1], cjson.encode(info))
redis.call('del', KEYS[1])
if redis.call('hdel', KEYS[2], ARGV[1]) == 1 and active and owner ~= '' then
  if redis.call('hincrby', KEYS[3], owner, -1) <= 0 then redis.call('hdel', KEYS[3], owner) end
end
redis.call('zrem', KEYS[4], ARGV[1])
return 1`;

// Ended alerts past the retention: find them (KEYS: ended; ARGV: before ms), then drop them with
// every record key declared (KEYS: ended, records...; ARGV: ids).
const PAST_RETENTION = `return redis.call('zrangebyscore', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, 200)`;
const DROP = `for i = 2, #KEYS do redis.call('del', KEYS[i]) end
for i = 1, #ARGV do redis.call('zrem', KEYS[1], ARGV[i]) end
return #ARGV`;

// EVENTS (KEYS: events; ARGV: last id, count) → entries after the id.
const EVENTS = `return redis.call('xrange', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])`;

// The prune runs at most this often per replica (a few commands, on some ends and listings).
const PRUNE_EVERY_MS = 60_000;
const STATUSES: ReadonlySet<string> = new Set(ALERT_STATUSES);

const text = (value: unknown): string => (Buffer.isBuffer(value) ? value.toString() : String(value));

/**
 * Alerts in the state namespace (`StateConnection`), `{state prefix}{alerts}:…`:
 *
 * - `a:<id>`: a hash per alert: `def` (the definition, JSON, never rewritten), `owner`, `status`,
 *   `expiresAt`, `endedAt` (ms), `firedAt`, `firedPrice`, `eventId`;
 * - `live`: a hash id → definition of the active alerts (a listing is one HGETALL);
 * - `owners`: a hash owner → active count (the per-caller cap, checked atomically in ADD);
 * - `ended`: a sorted set id → end time, pruned past `historyRetentionMs`;
 * - `quarantine`: a hash id → what was stored, for a record that did not parse;
 * - `events`: a stream (`XADD MAXLEN ~ eventsMax`) of fired notifications with their owner.
 *
 * No key carries a Redis expiry, so a `volatile-*` eviction policy never takes an alert; expiry and
 * retention are applied here. Every call is bounded: a frozen Redis gives a 503, not a hung request.
 */
export class RedisAlertStore extends AlertStore {
  private readonly logger = new Logger('AlertStore');
  private readonly keys: { live: string; owners: string; ended: string; quarantine: string; events: string };
  private lastPrune = 0;

  constructor(
    private readonly client: () => RedisTopology | undefined,
    private readonly statePrefix: string,
    private readonly limits: AlertStoreLimits,
    private readonly timeoutMs = 1000,
    private readonly clock: () => Date = () => new Date(),
  ) {
    super();
    const base = `${statePrefix}{alerts}:`;
    this.keys = { live: `${base}live`, owners: `${base}owners`, ended: `${base}ended`, quarantine: `${base}quarantine`, events: `${base}events` };
  }

  /** The key of an alert's record (tests write corrupt ones there). */
  recordKey(id: string): string {
    return `${this.statePrefix}{alerts}:a:${id}`;
  }

  async add(alert: AlertDefinition, options: { unlimited?: boolean } = {}): Promise<void> {
    const result = await this.tryAdd(alert, options);
    if (result === 1) return;
    if (result === 0) throw new Error(`Alert ${alert.id} exists`);
    // Alerts past their expiry still count until a listing ends them: end them, then try once more.
    await this.list();
    const again = await this.tryAdd(alert, options);
    if (again === 1) return;
    if (again === 0) throw new Error(`Alert ${alert.id} exists`);
    throw again === -1 ? new AlertLimitError('owner', this.limits.perOwner) : new AlertLimitError('total', this.limits.total);
  }

  async get(id: string): Promise<AlertLookup | undefined> {
    const reply = (await this.call((c) => c.eval(GET, { keys: [this.recordKey(id), this.keys.quarantine], arguments: [id] }))) as unknown[] | null;
    if (!reply) return undefined;
    const kind = text(reply[0]);
    if (kind === 'q') return { kind: 'quarantined' };
    const alert = kind === 'r' ? this.decodeRecord(id, reply.slice(1).map(text)) : undefined;
    if (!alert) {
      await this.quarantine(id, kind === 'r' ? 'record does not parse' : `record is a ${text(reply[1])}, not a hash`);
      return { kind: 'quarantined' };
    }
    const now = this.clock();
    if (alert.status === 'active' && isExpired(alert, now)) {
      await this.end(id, { status: 'expired', at: now });
      return { kind: 'alert', alert: { ...alert, status: 'expired', endedAt: alert.expiresAt } };
    }
    if (alert.endedAt !== null && Date.parse(alert.endedAt) < now.getTime() - this.limits.historyRetentionMs) return undefined;
    return { kind: 'alert', alert };
  }

  async list(): Promise<AlertDefinition[]> {
    const flat = ((await this.call((c) => c.eval(LIST, { keys: [this.keys.live], arguments: [] }))) as unknown[]).map(text);
    const now = this.clock();
    const live: AlertDefinition[] = [];
    const expired: string[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const id = flat[i];
      const definition = parseDefinition(flat[i + 1], id);
      if (!definition) await this.quarantine(id, 'live entry does not parse', ownerHint(flat[i + 1]));
      else if (isExpired(definition, now)) expired.push(id);
      else live.push(definition);
    }
    // Nothing in Redis expires an alert: the listing (every poll) ends the expired ones.
    for (const id of expired) await this.end(id, { status: 'expired', at: now });
    await this.pruneIfDue();
    return live;
  }

  async end(id: string, ending: AlertEnding): Promise<EndResult> {
    const notification = ending.status === 'fired' ? ending.notification : undefined;
    const reply = (await this.call((c) =>
      c.eval(END, {
        keys: [this.recordKey(id), this.keys.live, this.keys.owners, this.keys.ended, this.keys.events],
        arguments: [
          id,
          ending.status,
          String(ending.at.getTime()),
          notification ? JSON.stringify(notification) : '',
          notification?.firedAt ?? '',
          notification ? String(notification.price) : '',
          String(this.limits.eventsMax),
        ],
      }),
    )) as unknown[];
    const won = Number(reply[0]);
    if (won === -1) {
      // A live entry without a usable record: it can never end normally, so it is set aside.
      await this.quarantine(id, 'no usable record for a listed alert');
      return { won: false };
    }
    if (won !== 1) return { won: false };
    await this.pruneIfDue();
    if (!notification || reply[1] === undefined) return { won: true };
    return { won: true, event: { id: text(reply[1]), owner: text(reply[2] ?? ''), notification } };
  }

  async eventsAfter(lastId: string, limit: number): Promise<AlertEvent[]> {
    const entries = (await this.call((c) => c.eval(EVENTS, { keys: [this.keys.events], arguments: [lastId, String(limit)] }))) as unknown[];
    const events: AlertEvent[] = [];
    for (const entry of entries) {
      const [id, fields] = entry as [unknown, unknown[]];
      const map = new Map<string, string>();
      for (let i = 0; i + 1 < fields.length; i += 2) map.set(text(fields[i]), text(fields[i + 1]));
      try {
        events.push({ id: text(id), owner: map.get('owner') ?? '', notification: JSON.parse(map.get('n') ?? '') as AlertNotification });
      } catch {
        // An entry that does not parse is skipped (it was never written by us).
      }
    }
    return events;
  }

  private async tryAdd(alert: AlertDefinition, { unlimited }: { unlimited?: boolean }): Promise<number> {
    const caps = unlimited ? ['0', '0'] : [String(this.limits.perOwner), String(this.limits.total)];
    const result = await this.call((c) =>
      c.eval(ADD, {
        keys: [this.recordKey(alert.id), this.keys.live, this.keys.owners],
        arguments: [alert.id, JSON.stringify(alert), alert.owner, String(Date.parse(alert.expiresAt)), ...caps],
      }),
    );
    return Number(result);
  }

  private async quarantine(id: string, reason: string, owner = ''): Promise<void> {
    await this.call((c) =>
      c.eval(QUARANTINE, {
        keys: [this.recordKey(id), this.keys.live, this.keys.owners, this.keys.ended, this.keys.quarantine],
        arguments: [id, reason, String(this.clock().getTime()), owner],
      }),
    );
    this.logger.warn(`Alert ${id} quarantined (${reason}) under ${this.keys.quarantine}; the other alerts go on`);
    this.quarantineListener?.(id, reason);
  }

  private async pruneIfDue(): Promise<void> {
    const now = this.clock().getTime();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    const before = String(now - this.limits.historyRetentionMs);
    const ids = ((await this.call((c) => c.eval(PAST_RETENTION, { keys: [this.keys.ended], arguments: [before] }))) as unknown[]).map(text);
    // Idempotent: a prune that fails now is redone later.
    if (ids.length > 0) await this.call((c) => c.eval(DROP, { keys: [this.keys.ended, ...ids.map((id) => this.recordKey(id))], arguments: ids }));
  }

  private decodeRecord(id: string, flat: string[]): Alert | undefined {
    const fields = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i], flat[i + 1]);
    const definition = parseDefinition(fields.get('def') ?? '', id);
    const status = fields.get('status');
    if (!definition || !status || !STATUSES.has(status)) return undefined;
    const endedMs = Number(fields.get('endedAt'));
    const firedPrice = Number(fields.get('firedPrice'));
    return {
      ...activeAlert(definition),
      status: status as AlertStatus,
      endedAt: status !== 'active' && Number.isFinite(endedMs) ? new Date(endedMs).toISOString() : null,
      firedAt: fields.get('firedAt') || null,
      firedPrice: status === 'fired' && Number.isFinite(firedPrice) ? firedPrice : null,
    };
  }

  private call<T>(op: (client: RedisTopology) => Promise<T>): Promise<T> {
    return boundedStateCall(this.client(), op, { what: 'Price alerts', timeoutMs: this.timeoutMs });
  }
}

function ownerHint(raw: string): string {
  try {
    const owner = (JSON.parse(raw) as { owner?: unknown }).owner;
    return typeof owner === 'string' ? owner : '';
  } catch {
    return '';
  }
}
