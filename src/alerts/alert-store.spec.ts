import type { AlertDefinition, AlertNotification } from './alert-rules';
import { compareEventIds, MemoryAlertStore } from './alert-store';
import { AlertLimitError } from './alerts.errors';

const T0 = Date.parse('2024-05-03T10:00:00.000Z');
const alert = (id: string, owner = 'alice', ttlMs = 3_600_000): AlertDefinition => ({
  id,
  owner,
  symbol: 'AAPL',
  condition: 'above',
  price: 1,
  percent: null,
  referencePrice: 1,
  createdAt: new Date(T0).toISOString(),
  expiresAt: new Date(T0 + ttlMs).toISOString(),
  webhookUrl: null,
});
const notification = (id: string, at: Date): AlertNotification => ({
  alertId: id,
  symbol: 'AAPL',
  condition: 'above',
  threshold: 1,
  price: 2,
  referencePrice: 1,
  changePercent: 100,
  quoteAsOf: at.toISOString(),
  firedAt: at.toISOString(),
  message: 'AAPL at 2 is above 1',
});

describe(MemoryAlertStore.name, () => {
  let now: Date;
  let sut: MemoryAlertStore;
  beforeEach(() => {
    now = new Date(T0);
    sut = new MemoryAlertStore({ perOwner: 2, total: 3, historyRetentionMs: 3_600_000, eventsMax: 2 }, () => now);
  });

  it('lets exactly one of several endings win; the fired alert keeps its status, time and price', async () => {
    await sut.add(alert('a'));
    const results = await Promise.all([
      sut.end('a', { status: 'fired', at: now, notification: notification('a', now) }),
      sut.end('a', { status: 'deleted', at: now }),
      sut.end('a', { status: 'fired', at: now, notification: notification('a', now) }),
    ]);
    expect(results.map((r) => r.won)).toEqual([true, false, false]);
    expect(results[0].event).toMatchObject({ owner: 'alice', notification: { alertId: 'a' } });
    expect(await sut.get('a')).toEqual({ kind: 'alert', alert: expect.objectContaining({ status: 'fired', firedAt: now.toISOString(), firedPrice: 2, endedAt: now.toISOString() }) });
    expect(await sut.list()).toEqual([]);
  });

  it('expires alerts: not listed, not fired, status expired, then forgotten after the retention', async () => {
    await sut.add(alert('b', 'alice', 1000));
    expect((await sut.list()).map((a) => a.id)).toEqual(['b']);
    now = new Date(T0 + 1000);
    expect(await sut.end('b', { status: 'fired', at: now, notification: notification('b', now) })).toEqual({ won: false });
    expect(await sut.get('b')).toMatchObject({ alert: { status: 'expired' } });
    now = new Date(T0 + 1000 + 3_600_001);
    expect(await sut.get('b')).toBeUndefined();
  });

  it('caps active alerts per owner and in all; an ended alert frees its slot', async () => {
    await sut.add(alert('c1'));
    await sut.add(alert('c2'));
    await expect(sut.add(alert('c3'))).rejects.toEqual(new AlertLimitError('owner', 2));
    await sut.add(alert('d1', 'bob'));
    await expect(sut.add(alert('d2', 'bob'))).rejects.toEqual(new AlertLimitError('total', 3));
    await sut.end('c1', { status: 'deleted', at: now });
    await sut.add(alert('c3'));
    await sut.add(alert('legacy', 'anonymous'), { unlimited: true });
  });

  it('keeps a bounded event log that replays after an id', async () => {
    for (const id of ['e1', 'e2', 'e3'].slice(0, 2)) await sut.add(alert(id));
    await sut.add(alert('e3', 'bob'));
    const ids: string[] = [];
    for (const id of ['e1', 'e2', 'e3']) ids.push((await sut.end(id, { status: 'fired', at: now, notification: notification(id, now) })).event?.id as string);
    expect([...ids].sort(compareEventIds)).toEqual(ids);
    // eventsMax 2: the first is gone.
    expect((await sut.eventsAfter('0-0', 10)).map((e) => e.id)).toEqual(ids.slice(1));
    expect((await sut.eventsAfter(ids[1], 10)).map((e) => e.notification.alertId)).toEqual(['e3']);
  });
});
