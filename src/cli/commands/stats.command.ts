import type { AdminStats } from '../../admin/admin-cache.service';
import type { AdminClient } from '../admin-client';
import { bytes, percent, printJson, table, type Io } from '../output';

/** `stats`: hit rates per policy, backend, L1 use and the most requested keys of the replica that answers. */
export async function statsCommand(client: AdminClient, io: Io, options: { top: number }): Promise<number> {
  const stats = await client.json<AdminStats>('GET', `/api/v1/admin/cache/stats?top=${options.top}`);
  if (io.json) {
    printJson(io, stats);
    return 0;
  }
  const l2Failures = stats.l2.errors + stats.l2.timeouts + stats.l2.circuitOpenRejections + stats.l2.corruptEntries;
  io.out.write(
    table(
      ['backend', 'breaker', 'hit rate', 'keys', 'L1 entries', 'L1 bytes', 'L2 failures'],
      [[
        stats.backend,
        stats.breaker,
        percent(stats.hitRate),
        `${stats.keys.counted}${stats.keys.capped ? '+' : ''} (${stats.keys.source})`,
        `${stats.l1.entries} / ${stats.l1.maxEntries}`,
        `${bytes(stats.l1.bytes)} / ${bytes(stats.l1.maxBytes)}`,
        l2Failures,
      ]],
      `Cache of ${client.url}`,
    ),
  );
  const policies = Object.entries(stats.policies).map(([name, p]) => [name, p.hitsL1, p.hitsL2, p.stale, p.misses, percent(p.hitRate), p.keys, p.factoryRuns, p.factoryErrors]);
  io.out.write(table(['policy', 'L1 hits', 'L2 hits', 'stale', 'misses', 'hit rate', 'keys', 'computed', 'errors'], policies, '\nPer policy (since the replica started)'));
  if (stats.topKeys.length > 0) io.out.write(table(['key', 'requests'], stats.topKeys.map((k) => [k.key, Math.round(k.hits)]), '\nMost requested keys (recent)'));
  return 0;
}
