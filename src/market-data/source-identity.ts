import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { MarketDataConfig } from '../config/market-data.config';
import { SYNTHETIC_GENERATOR_VERSION } from './providers/synthetic.provider';

/**
 * What the data behind the cache is made of: the provider and a fingerprint of its dataset. It is
 * part of every cache key (and of the disk tier's folder), so two deployments on different
 * sources sharing a Redis, or one service moved to another provider, never read each other's
 * values: the other generation's keys are simply never asked for and expire.
 *
 * - `synthetic`: generator version, seed and universe size (the whole dataset follows from them);
 * - `csv`: each file's absolute path, size and modification time (a replaced file is a new dataset);
 * - `polygon` / `yahoo`: the provider and its base URL (never the key).
 */
export function sourceIdentityOf(config: MarketDataConfig): string {
  switch (config.provider) {
    case 'synthetic':
      return `synthetic;v${SYNTHETIC_GENERATOR_VERSION};seed=${config.synthetic.seed};size=${config.synthetic.universeSize}`;
    case 'csv':
      return `csv;${csvFingerprint(config.csv.path)}`;
    case 'polygon':
      return `polygon;${config.polygon.baseUrl}`;
    case 'yahoo':
      return 'yahoo;query1.finance.yahoo.com';
    default:
      return `unknown;${String(config.provider)}`;
  }
}

const CSV_FILE = /\.csv(\.gz)?$/i;

function csvFingerprint(path: string | undefined): string {
  if (!path) return 'no-path';
  const root = resolve(path);
  try {
    const stat = statSync(root);
    const files = stat.isDirectory()
      ? readdirSync(root)
          .filter((name) => CSV_FILE.test(name))
          .sort()
          .map((name) => join(root, name))
      : [root];
    const parts = files.map((file) => {
      const s = file === root ? stat : statSync(file);
      return `${basename(file)}:${s.size}:${Math.round(s.mtimeMs)}`;
    });
    return createHash('sha256').update(`${root}\n${parts.join('\n')}`).digest('hex').slice(0, 16);
  } catch {
    // The provider reports an unreadable path itself, with a clear message; keys only need to differ.
    return `unreadable:${root}`;
  }
}
