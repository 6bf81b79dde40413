import type { EntryWrite } from '../redis-topology';
import { planWrites, queueWrites, type WriteQueue } from './entry-writes';

const entry = (key: string, tagIndexes: string[] = [], ttlMs = 1000.4): EntryWrite => ({ key, value: Buffer.from(key), ttlMs, tagIndexes });

function recorder(): WriteQueue & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    set: (...args) => calls.push(['set', ...args]),
    sAdd: (...args) => calls.push(['sAdd', ...args]),
    pExpire: (...args) => calls.push(['pExpire', ...args]),
  };
}

describe(planWrites.name, () => {
  it('puts everything in one group on a single node', () => {
    const sut = planWrites([entry('k1', ['t:a']), entry('k2', ['t:a', 't:b'])]);

    expect(sut).toHaveLength(1);
    expect(sut[0].sets.map((e) => e.key)).toEqual(['k1', 'k2']);
    expect(sut[0].indexAdds.map((a) => [a.index, a.member])).toEqual([['t:a', 'k1'], ['t:a', 'k2'], ['t:b', 'k2']]);
  });

  it('groups SETs by their key\'s slot and index updates by the index\'s slot', () => {
    const slots: Record<string, number> = { k1: 1, k2: 2, 't:a': 2, 't:b': 3 };

    const sut = planWrites([entry('k1', ['t:a']), entry('k2', ['t:b'])], (key) => slots[key]);

    const bySlot = new Map(sut.map((g) => [slots[g.routingKey], g]));
    expect([...bySlot.keys()].sort()).toEqual([1, 2, 3]);
    expect(bySlot.get(1)).toMatchObject({ sets: [{ key: 'k1' }], indexAdds: [] });
    expect(bySlot.get(2)).toMatchObject({ sets: [{ key: 'k2' }], indexAdds: [{ index: 't:a', member: 'k1' }] });
    expect(bySlot.get(3)).toMatchObject({ sets: [], indexAdds: [{ index: 't:b', member: 'k2' }] });
  });
});

describe(queueWrites.name, () => {
  it('queues SET PX, then SADD and PEXPIRE NX/GT per index, with whole milliseconds', () => {
    const sut = recorder();

    queueWrites(sut, planWrites([entry('k1', ['t:a'])])[0]);

    expect(sut.calls).toEqual([
      ['set', 'k1', Buffer.from('k1'), { expiration: { type: 'PX', value: 1001 } }],
      ['sAdd', 't:a', 'k1'],
      ['pExpire', 't:a', 1001, 'NX'],
      ['pExpire', 't:a', 1001, 'GT'],
    ]);
  });
});
