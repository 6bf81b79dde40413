import type { EntryWrite } from '../redis-topology';

/** What a node-redis MULTI (client, Sentinel or Cluster) offers that entry writes use. */
export interface WriteQueue {
  set(key: string, value: Buffer, options: { expiration: { type: 'PX'; value: number } }): unknown;
  sAdd(key: string, member: string): unknown;
  pExpire(key: string, ms: number, mode: 'NX' | 'GT'): unknown;
}

/** Commands that go into one MULTI: entry SETs and tag-index updates. */
export interface WriteGroup {
  /** A key of the group, for routing the MULTI on a cluster. */
  routingKey: string;
  sets: EntryWrite[];
  indexAdds: { index: string; member: string; ttlMs: number }[];
}

/**
 * Splits entry writes into MULTI groups. Without `slotOf` (one node) everything is one group, one
 * round trip. With it (a cluster), each SET goes with its key's slot and each tag-index update
 * with the index's slot: a MULTI may only touch one slot, and an entry and its tag index usually
 * live in different slots (often on different masters).
 */
export function planWrites(entries: readonly EntryWrite[], slotOf?: (key: string) => number): WriteGroup[] {
  const groups = new Map<number, WriteGroup>();
  const groupOf = (key: string): WriteGroup => {
    const slot = slotOf ? slotOf(key) : 0;
    let group = groups.get(slot);
    if (!group) groups.set(slot, (group = { routingKey: key, sets: [], indexAdds: [] }));
    return group;
  };
  for (const entry of entries) {
    groupOf(entry.key).sets.push(entry);
    for (const index of entry.tagIndexes) groupOf(index).indexAdds.push({ index, member: entry.key, ttlMs: entry.ttlMs });
  }
  return [...groups.values()];
}

/** Queues one group's commands on a MULTI. */
export function queueWrites(queue: WriteQueue, group: WriteGroup): void {
  for (const entry of group.sets) {
    queue.set(entry.key, entry.value, { expiration: { type: 'PX', value: Math.max(1, Math.ceil(entry.ttlMs)) } });
  }
  for (const { index, member, ttlMs } of group.indexAdds) {
    const ms = Math.max(1, Math.ceil(ttlMs));
    queue.sAdd(index, member);
    // NX then GT: the index lives as long as its longest-lived member (Redis >= 7).
    queue.pExpire(index, ms, 'NX');
    queue.pExpire(index, ms, 'GT');
  }
}
