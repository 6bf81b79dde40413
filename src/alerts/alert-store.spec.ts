import type { Alert } from './alert-rules';
import { MemoryAlertStore } from './alert-store';

const alert = (id: string, expiresAt: string | null = null): Alert => ({
  id,
  symbol: 'AAPL',
  condition: 'above',
  price: 1,
  percent: null,
  referencePrice: 1,
  createdAt: '2024-05-03T10:00:00.000Z',
  expiresAt,
  webhookUrl: null,
});

describe(MemoryAlertStore.name, () => {
  let now = new Date('2024-05-03T10:00:00.000Z');
  const sut = new MemoryAlertStore(() => now);

  it('lets exactly one of several claims win', async () => {
    await sut.add(alert('a'));
    const claims = await Promise.all([sut.claim('a'), sut.claim('a'), sut.claim('a')]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await sut.get('a')).toBeUndefined();
  });

  it('forgets expired alerts: not listed, not readable, not claimable', async () => {
    await sut.add(alert('b', '2024-05-03T10:00:01.000Z'));
    expect((await sut.list()).map((a) => a.id)).toEqual(['b']);
    now = new Date('2024-05-03T10:00:01.000Z');
    expect(await sut.list()).toEqual([]);
    expect(await sut.get('b')).toBeUndefined();
    expect(await sut.claim('b')).toBe(false);
  });
});
