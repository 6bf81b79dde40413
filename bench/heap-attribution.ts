/**
 * Who holds the live heap, from a V8 heap snapshot: every object is charged to the first "owner"
 * (a named class such as LocalTier, HotKeys, the TypeScript compiler of ts-node) on its shortest
 * path from the GC roots, breadth first. An approximation of retained sizes (shared objects go to
 * whichever owner reaches them first), enough to say what bounds memory. Also the backing stores
 * of the L1 entries' `bytes` against the bytes L1 counts.
 *
 * `node --max-old-space-size=8192 -r ts-node/register/transpile-only bench/heap-attribution.ts FILE`
 * prints JSON (bench/memory.bench.ts runs it on the snapshot it takes).
 */
import { readFileSync } from 'node:fs';

interface HeapSnapshotFile {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface HeapAttribution {
  totalMb: number;
  /** Self sizes charged to each owner, MB, largest first. */
  owners: { owner: string; mb: number }[];
  /** L1 entries that keep a decoded `value` beside their `bytes`. */
  l1EntriesWithValue: number;
  /** ArrayBuffer backing stores reached through L1 entries' `bytes`, MB. */
  l1BackingStoresMb: number;
}

const OWNER_CLASSES = new Set([
  'LocalTier',
  'HotKeys',
  'FactoryRunner',
  'SingleFlight',
  'HttpCacheFastPath',
  'SyntheticMarketDataProvider',
  'CacheWarmerService',
  'MetricsRegistry',
  'Pino',
]);
const MB = 1024 ** 2;

export function attribute(file: string): HeapAttribution {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshotFile;
  const { meta } = snap.snapshot;
  const N = meta.node_fields.length;
  const E = meta.edge_fields.length;
  const [nodeTypes] = meta.node_types;
  const [edgeTypes] = meta.edge_types;
  const { nodes, edges, strings } = snap;
  const [TYPE, NAME, SELF, EDGES] = ['type', 'name', 'self_size', 'edge_count'].map((f) => meta.node_fields.indexOf(f));
  const [EDGE_TYPE, EDGE_NAME, EDGE_TO] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f));
  const count = nodes.length / N;
  const firstEdge = new Int32Array(count + 1);
  for (let n = 0; n < count; n++) firstEdge[n + 1] = firstEdge[n] + nodes[n * N + EDGES] * E;

  const typeOf = (n: number) => nodeTypes[nodes[n * N + TYPE]];
  const nameOf = (n: number) => strings[nodes[n * N + NAME]];
  const edgeName = (e: number) => strings[edges[e + EDGE_NAME]];
  const strong = (e: number) => !['weak', 'shortcut'].includes(edgeTypes[edges[e + EDGE_TYPE]]);
  const isProperty = (e: number) => edgeTypes[edges[e + EDGE_TYPE]] === 'property';

  // Breadth first from the root: each node's owner is its parent's, unless it is an owner itself.
  const owner: string[] = new Array(count);
  const seen = new Uint8Array(count);
  const queue = new Int32Array(count);
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  seen[0] = 1;
  owner[0] = 'other';
  let localTier = -1;
  while (head < tail) {
    const n = queue[head++];
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += E) {
      if (!strong(e)) continue;
      const to = edges[e + EDGE_TO] / N;
      if (seen[to]) continue;
      seen[to] = 1;
      queue[tail++] = to;
      const name = nameOf(to);
      if (typeOf(to) === 'object' && OWNER_CLASSES.has(name)) owner[to] = name;
      else if (isProperty(e) && edgeName(e) === '<symbol ts-node.register.instance>') owner[to] = 'ts-node (TypeScript compiler)';
      else if (typeOf(to) === 'code') owner[to] = '(compiled code)';
      else owner[to] = owner[n];
      if (name === 'LocalTier' && typeOf(to) === 'object' && localTier < 0) localTier = to;
    }
  }
  const totals = new Map<string, number>();
  let total = 0;
  for (let n = 0; n < count; n++) {
    const size = nodes[n * N + SELF];
    total += size;
    const key = seen[n] ? owner[n] : 'unreachable (garbage)';
    totals.set(key, (totals.get(key) ?? 0) + size);
  }

  // L1's entries: LocalTier → lru → its value list → entry objects.
  const child = (n: number, name: string) => {
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += E) {
      const type = edgeTypes[edges[e + EDGE_TYPE]];
      if ((type === 'property' || type === 'internal') && edgeName(e) === name) return edges[e + EDGE_TO] / N;
    }
    return -1;
  };
  let withValue = 0;
  let backing = 0;
  const stores = new Set<number>();
  const lru = localTier >= 0 ? child(localTier, 'lru') : -1;
  if (lru >= 0) {
    for (let e = firstEdge[lru]; e < firstEdge[lru + 1]; e += E) {
      const list = edges[e + EDGE_TO] / N;
      if (typeOf(list) !== 'object' || nameOf(list) !== 'Array') continue;
      for (let k = firstEdge[list]; k < firstEdge[list + 1]; k += E) {
        const entry = edges[k + EDGE_TO] / N;
        const bytes = child(entry, 'bytes');
        if (bytes < 0) continue;
        if (child(entry, 'value') >= 0) withValue++;
        const buffer = child(bytes, 'buffer');
        const store = buffer >= 0 ? child(buffer, 'backing_store') : -1;
        if (store >= 0 && !stores.has(store)) {
          stores.add(store);
          backing += nodes[store * N + SELF];
        }
      }
    }
  }
  return {
    totalMb: total / MB,
    owners: [...totals].map(([name, size]) => ({ owner: name, mb: size / MB })).sort((a, b) => b.mb - a.mb),
    l1EntriesWithValue: withValue,
    l1BackingStoresMb: backing / MB,
  };
}

if (require.main === module) {
  process.stdout.write(JSON.stringify(attribute(process.argv[2])));
}
