import calculateSlot from 'cluster-key-slot';

/** Keys of one hash slot, with where each sat in the caller's list. */
export interface SlotGroup {
  slot: number;
  keys: string[];
  positions: number[];
}

/** Groups keys by hash slot (hash tags `{...}` honoured), keeping each key's input position. */
export function groupBySlot(keys: readonly string[]): SlotGroup[] {
  const groups = new Map<number, SlotGroup>();
  keys.forEach((key, position) => {
    const slot = calculateSlot(key);
    let group = groups.get(slot);
    if (!group) groups.set(slot, (group = { slot, keys: [], positions: [] }));
    group.keys.push(key);
    group.positions.push(position);
  });
  return [...groups.values()];
}

export { calculateSlot };

// Room for Redis Cluster's practical maximum of about 1000 masters.
const MASTER_RADIX = 1000n;

/**
 * A cluster-wide SCAN cursor in one decimal number, so it passes wherever a single-node cursor
 * does (the admin API accepts digits only): `nodeCursor * 1000 + masterIndex`. The last three
 * digits name the master (in address order), the rest is that master's own cursor; '0' is both
 * the start (master 0, cursor 0) and the end, as with SCAN. Valid while the set of masters stays
 * the same; after a resharding or failover a listing may repeat or miss keys, as SCAN may.
 */
export function encodeClusterCursor(masterIndex: number, nodeCursor: string): string {
  return (BigInt(nodeCursor) * MASTER_RADIX + BigInt(masterIndex)).toString();
}

export function decodeClusterCursor(cursor: string): { masterIndex: number; nodeCursor: string } {
  const value = /^\d+$/.test(cursor) ? BigInt(cursor) : 0n;
  return { masterIndex: Number(value % MASTER_RADIX), nodeCursor: (value / MASTER_RADIX).toString() };
}
