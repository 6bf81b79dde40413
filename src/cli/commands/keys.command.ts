import type { KeyPage } from '../../cache';
import type { AdminClient } from '../admin-client';
import { printJson, table, type Io } from '../output';

interface Ttl {
  key: string;
  l1Seconds: number | null;
  l2Seconds: number | null;
}

const MAX_PAGE = 1000;
const TTL_CONCURRENCY = 4;

/** `keys [pattern]`: keys under the service's prefix matching a glob, paged with SCAN, up to `--limit`. */
export async function keysCommand(client: AdminClient, io: Io, pattern: string, options: { limit: number; ttl: boolean }): Promise<number> {
  const keys: string[] = [];
  let cursor = '0';
  let source: KeyPage['source'] = 'memory';
  do {
    const query = new URLSearchParams({ pattern, cursor, count: String(Math.min(MAX_PAGE, options.limit - keys.length)) });
    const page = await client.json<KeyPage>('GET', `/api/v1/admin/cache/keys?${query}`);
    source = page.source;
    keys.push(...page.keys.slice(0, options.limit - keys.length));
    cursor = page.cursor;
  } while (cursor !== '0' && keys.length < options.limit);
  const complete = cursor === '0';

  const ttls = options.ttl ? await ttlsOf(client, keys) : undefined;
  if (io.json) {
    printJson(io, { pattern, source, complete, keys: ttls ?? keys });
    return 0;
  }
  const policyOf = (key: string) => key.split(':')[1] ?? '';
  const seconds = (s: number | null) => (s === null ? '–' : s);
  const rows = ttls ? ttls.map((t) => [t.key, policyOf(t.key), seconds(t.l1Seconds), seconds(t.l2Seconds)]) : keys.map((k) => [k, policyOf(k)]);
  io.out.write(table(ttls ? ['key', 'policy', 'L1 ttl s', 'L2 ttl s'] : ['key', 'policy'], rows));
  io.err.write(`${keys.length} keys matching ${JSON.stringify(pattern)} (${source})${complete ? '' : `; more exist: raise --limit (now ${options.limit})`}\n`);
  return 0;
}

async function ttlsOf(client: AdminClient, keys: string[]): Promise<Ttl[]> {
  const results: Ttl[] = new Array<Ttl>(keys.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < keys.length; i = next++) results[i] = await client.json<Ttl>('GET', `/api/v1/admin/cache/ttl?key=${encodeURIComponent(keys[i])}`);
  };
  await Promise.all(Array.from({ length: Math.min(TTL_CONCURRENCY, keys.length) }, worker));
  return results;
}
