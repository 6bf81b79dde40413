import { calculateSlot, decodeClusterCursor, encodeClusterCursor, groupBySlot } from './slot-groups';

describe(groupBySlot.name, () => {
  it('groups keys by hash slot and remembers each input position', () => {
    const keys = ['a', 'b', '{user1}:x', 'c', '{user1}:y'];

    const sut = groupBySlot(keys);

    // Every key appears exactly once, in a group of its own slot.
    expect(sut.flatMap((g) => g.positions).sort()).toEqual([0, 1, 2, 3, 4]);
    for (const group of sut) group.keys.forEach((key, i) => expect(keys[group.positions[i]]).toBe(key));
    for (const group of sut) group.keys.forEach((key) => expect(calculateSlot(key)).toBe(group.slot));
    // Hash tags put both {user1} keys in one group.
    expect(sut.find((g) => g.keys.includes('{user1}:x'))?.keys).toEqual(['{user1}:x', '{user1}:y']);
  });

  it('returns no groups for no keys', () => {
    expect(groupBySlot([])).toEqual([]);
  });
});

describe('cluster SCAN cursor', () => {
  it('is "0" at the start and round-trips master index and node cursor', () => {
    expect(encodeClusterCursor(0, '0')).toBe('0');
    expect(decodeClusterCursor('0')).toEqual({ masterIndex: 0, nodeCursor: '0' });
    for (const [index, cursor] of [[1, '0'], [2, '17'], [999, '18446744073709551615']] as const) {
      const encoded = encodeClusterCursor(index, cursor);
      expect(encoded).toMatch(/^\d+$/);
      expect(decodeClusterCursor(encoded)).toEqual({ masterIndex: index, nodeCursor: cursor });
    }
  });

  it('keeps the last three digits for the master, so a page of master 2 at node cursor 5 reads 5002', () => {
    expect(encodeClusterCursor(2, '5')).toBe('5002');
  });

  it('treats a non-numeric cursor as the start', () => {
    expect(decodeClusterCursor('abc')).toEqual({ masterIndex: 0, nodeCursor: '0' });
  });
});
