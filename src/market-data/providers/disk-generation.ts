import { Logger } from '@nestjs/common';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generationMark } from '../../cache';

/** Written into each generation's folder: what it was built from (operators read it; removal trusts it). */
export const GENERATION_FILE = 'GENERATION';

const logger = new Logger('DiskGeneration');

/**
 * The disk tier's folder for one source generation: `{dir}/{generationMark(identity)}`. Entries
 * are keyed by the cache's logical keys, which do not say where the data came from; the folder
 * does, so a run on another source (csv after synthetic, another file, another seed) never reads
 * these files. Only one generation is kept: the others' folders, and the flat layout of earlier
 * versions (`{dir}/v1`, `{dir}/tmp`), are removed here, so `DISK_CACHE_MAX_BYTES` (one store's
 * bound) holds for the whole folder. Nothing in `dir` that is not ours is touched.
 */
export async function openGenerationDir(dir: string, identity: string): Promise<string> {
  const mark = generationMark(identity);
  await mkdir(dir, { recursive: true });
  // Judged before anything goes: `tmp` is the old layout's only beside the old layout's `v1`.
  const oldLayout = await isOldLayout(dir);
  const stale = oldLayout ? ['v1', 'tmp'] : [];
  for (const name of await readdir(dir)) if (name !== mark && (await isGeneration(join(dir, name)))) stale.push(name);
  for (const name of stale) {
    logger.log(`Disk tier: removing ${join(dir, name)} (another data source's generation, or an older layout)`);
    await rm(join(dir, name), { recursive: true, force: true });
  }
  const own = join(dir, mark);
  await mkdir(own, { recursive: true });
  await writeFile(join(own, GENERATION_FILE), `${identity}\n`);
  return own;
}

const SHARD = /^[0-9a-f]{2}$/;

/** A generation folder says so. */
async function isGeneration(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return !!info?.isDirectory() && (await readFile(join(path, GENERATION_FILE)).then(() => true, () => false));
}

/** Earlier versions wrote `v1/{2 hex digits}/{sha256}` straight into `dir`, beside their `tmp/`. */
async function isOldLayout(dir: string): Promise<boolean> {
  const shards = await readdir(join(dir, 'v1')).catch(() => undefined);
  return shards !== undefined && shards.every((shard) => SHARD.test(shard));
}
