import { type RedisTopology } from '../../src/cache';
import type { AlertDefinition, AlertNotification } from '../../src/alerts/alert-rules';
import { MemoryAlertStore, type AlertStore, type AlertStoreLimits } from '../../src/alerts/alert-store';
import { AlertLimitError } from '../../src/alerts/alerts.errors';
import { RedisAlertStore } from '../../src/alerts/redis-alert-store';
import { startPrivateTopology, stopPrivateTopology } from '../support/private-topology';
import type { RedisServer } from '../support/redis-server';

/**
 * The alert store's contract, in memory and in a private Redis alike (a clock of our own):
 * caps that concurrent registrations cannot overshoot, one winner among concurrent endings,
 * expiry, the history kept for its retention and then dropped, and the bounded event log.
 */

const HOUR = 3600_000;
let redis: RedisServer;
let client: RedisTopology;

beforeAll(async () => {
  ({ redis, client } = await startPrivateTopology());
});
afterAll(() => stopPrivateTopology({ redis, client }));

const LIMITS: AlertStoreLimits = { perOwner: 5, total: 8, historyRetentionMs: 24 * HOUR, eventsMax: 100 };
type Make = (clock: () => Date) => AlertStore;
const cases: [string, Make][] = [
  ['memory', (clock) => new MemoryAlertStore(LIMITS, clock)],
  ['redis', (clock) => new RedisAlertStore(() => client, `as${Math.random().toString(36).slice(2, 8)}:state:`, LIMITS, 1000, clock)],
];

let serial = 0;
const T0 = Date.parse('2026-12-01T10:00:00Z');
function alert(owner: string, ttlMs = HOUR): AlertDefinition {
  serial++;
  return {
    id: `00000000-0000-4000-8000-${String(serial).padStart(12, '0')}`,
    owner,
    symbol: 'AAPL',
    condition: 'above',
    price: 10,
    percent: null,
    referencePrice: 5,
    createdAt: new Date(T0).toISOString(),
    expiresAt: new Date(T0 + ttlMs).toISOString(),
    webhookUrl: null,
  };
}
const fired = (id: string, at: Date): AlertNotification => ({
  alertId: id,
  symbol: 'AAPL',
  condition: 'above',
  threshold: 10,
  price: 11.25,
  referencePrice: 5,
  changePercent: 125,
  quoteAsOf: at.toISOString(),
  firedAt: at.toISOString(),
  message: 'AAPL at 11.25 is above 10',
});

describe.each(cases)('alert store (%s)', (_, make) => {
  it('caps per owner and in all, also under concurrent registrations', async () => {
    const now = new Date(T0);
    const store = make(() => now);
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => store.add(alert('alice'))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual(Array(7).fill(new AlertLimitError('owner', 5)));
    const more = await Promise.allSettled(Array.from({ length: 6 }, () => store.add(alert('bob'))));
    expect(more.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(more.find((r) => r.status === 'rejected')).toMatchObject({ reason: new AlertLimitError('total', 8) });
    expect(await store.list()).toHaveLength(8);
  });

  it('one winner among concurrent endings; the fired record keeps its price and time; the history goes after its retention', async () => {
    let now = new Date(T0 + 1000);
    const store = make(() => now);
    const a = alert('alice');
    await store.add(a);
    const endings = await Promise.all([
      store.end(a.id, { status: 'fired', at: now, notification: fired(a.id, now) }),
      store.end(a.id, { status: 'fired', at: now, notification: fired(a.id, now) }),
      store.end(a.id, { status: 'deleted', at: now }),
    ]);
    expect(endings.filter((e) => e.won)).toHaveLength(1);
    expect(endings[0]).toMatchObject({ won: true, event: { owner: 'alice', notification: { alertId: a.id } } });
    expect(await store.get(a.id)).toEqual({ kind: 'alert', alert: { ...a, status: 'fired', endedAt: now.toISOString(), firedAt: now.toISOString(), firedPrice: 11.25 } });
    expect(await store.list()).toEqual([]);

    // Past the retention: forgotten (and, in Redis, pruned by a later listing).
    now = new Date(T0 + 1000 + 24 * HOUR + 61_000);
    expect(await store.get(a.id)).toBeUndefined();
    await store.list();
    if (store instanceof RedisAlertStore) expect(await client.exists(store.recordKey(a.id))).toBe(0);
  });

  it('an alert past its expiry never fires: it ends as expired, at its expiry, and frees its slot', async () => {
    let now = new Date(T0);
    const store = make(() => now);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const a = alert('carol', 1000);
      ids.push(a.id);
      await store.add(a);
    }
    now = new Date(T0 + 1000);
    expect(await store.end(ids[0], { status: 'fired', at: now, notification: fired(ids[0], now) })).toEqual({ won: false });
    expect(await store.get(ids[0])).toMatchObject({ alert: { status: 'expired', endedAt: new Date(T0 + 1000).toISOString(), firedAt: null } });
    // The others still count until a listing (or the registration that needs the room) ends them.
    await store.add(alert('carol'));
    expect((await store.list()).map((x) => x.owner)).toEqual(['carol']);
    expect(await store.get(ids[4])).toMatchObject({ alert: { status: 'expired' } });
  });

  it('replays the fired events after an id, oldest first', async () => {
    const now = new Date(T0 + 5000);
    const store = make(() => now);
    const events = [];
    for (const owner of ['dave', 'erin', 'dave']) {
      const a = alert(owner);
      await store.add(a);
      events.push((await store.end(a.id, { status: 'fired', at: now, notification: fired(a.id, now) })).event);
    }
    const first = events[0]?.id as string;
    expect((await store.eventsAfter(first, 10)).map((e) => e.id)).toEqual(events.slice(1).map((e) => e?.id));
    expect((await store.eventsAfter(first, 1)).map((e) => e.owner)).toEqual(['erin']);
    expect(await store.eventsAfter(events[2]?.id as string, 10)).toEqual([]);
  });
});
