import { Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';

export interface DiskStoreOptions {
  dir: string;
  /** Total bytes of entry files; the oldest written are evicted beyond it. */
  maxBytes: number;
  now?: () => number;
}

export interface DiskStoreStats {
  entries: number;
  bytes: number;
  maxBytes: number;
}

// File = MAGIC | expiresAt (f64) | sha1(body) | body, body = v8(key, value). The digest turns any
// corruption (a torn copy, a bit flip, another program's file) into a miss instead of a wrong value.
const MAGIC = Buffer.from('MCD1');
const HEADER_BYTES = MAGIC.length + 8 + 20;
const ENTRIES = 'v1';
const TMP = 'tmp';

/**
 * A persistent key-value store on local disk: one file per entry, written atomically (temp file
 * then rename), values V8-serialized (lossless), expiry stored with the entry (expired = miss),
 * total size bounded with oldest-written-first eviction. Zero dependencies: cacache's `ls` and
 * `verify` load an ES module with `import()`, which fails under Jest's CommonJS runtime.
 * It never throws from `get`/`set`: a disk fault is a miss, logged once per kind.
 * One process per directory is assumed (a second one only makes the size bound approximate).
 */
export class DiskStore {
  private readonly logger = new Logger(DiskStore.name);
  // Insertion order = write order, so the first entries are the oldest: eviction walks from the front.
  private readonly index = new Map<string, number>();
  private bytes = 0;
  private readonly loggedFaults = new Set<string>();

  private constructor(
    private readonly options: DiskStoreOptions,
    private readonly now: () => number,
  ) {}

  /** Opens (creating if needed) the directory and indexes the entries a previous run left. */
  static async open(options: DiskStoreOptions): Promise<DiskStore> {
    const store = new DiskStore(options, options.now ?? Date.now);
    await rm(join(options.dir, TMP), { recursive: true, force: true });
    await mkdir(join(options.dir, TMP), { recursive: true });
    await mkdir(join(options.dir, ENTRIES), { recursive: true });
    await store.loadIndex();
    return store;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const name = fileName(key);
    if (!this.index.has(name)) return undefined;
    try {
      const file = await readFile(this.pathOf(name));
      const expiresAt = expiryOf(file);
      // Expired, corrupt, or (a sha256 collision) another key's: all misses, and the file goes.
      if (expiresAt === undefined || expiresAt <= this.now()) return this.drop(name);
      const decoded = decode(file);
      return decoded?.key === key ? (decoded.value as T) : this.drop(name);
    } catch (error) {
      this.fault('read', error);
      return this.drop(name);
    }
  }

  /** Stores `value` for `ttlMs`; entries above an eighth of the bound are skipped (they would flush the store). */
  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    const name = fileName(key);
    try {
      const file = encode(key, value, this.now() + ttlMs);
      if (file.length > this.options.maxBytes / 8) return;
      const tmp = join(this.options.dir, TMP, `${name}.${randomBytes(6).toString('hex')}`);
      await writeFile(tmp, file);
      await mkdir(join(this.options.dir, ENTRIES, name.slice(0, 2)), { recursive: true });
      await rename(tmp, this.pathOf(name));
      this.account(name, file.length);
      await this.evict();
    } catch (error) {
      this.fault('write', error);
    }
  }

  async delete(key: string): Promise<void> {
    await this.drop(fileName(key));
  }

  stats(): DiskStoreStats {
    return { entries: this.index.size, bytes: this.bytes, maxBytes: this.options.maxBytes };
  }

  private async loadIndex(): Promise<void> {
    const root = join(this.options.dir, ENTRIES);
    const found: { name: string; size: number; mtimeMs: number }[] = [];
    for (const shard of await readdir(root)) {
      for (const name of await readdir(join(root, shard)).catch(() => [] as string[])) {
        const info = await stat(join(root, shard, name)).catch(() => undefined);
        if (info?.isFile()) found.push({ name, size: info.size, mtimeMs: info.mtimeMs });
      }
    }
    // Write order survives a restart only as mtime, stamped from the kernel's coarse clock: files
    // written within a few ms of each other tie, and any of them may go first.
    found.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const { name, size } of found) this.account(name, size);
    await this.evict();
  }

  private account(name: string, size: number): void {
    this.bytes -= this.index.get(name) ?? 0;
    this.index.delete(name);
    this.index.set(name, size);
    this.bytes += size;
  }

  private async evict(): Promise<void> {
    for (const name of this.index.keys()) {
      if (this.bytes <= this.options.maxBytes) return;
      await this.drop(name);
    }
  }

  private async drop(name: string): Promise<undefined> {
    const size = this.index.get(name);
    if (size !== undefined) {
      this.index.delete(name);
      this.bytes -= size;
    }
    await unlink(this.pathOf(name)).catch(() => undefined);
    return undefined;
  }

  private pathOf(name: string): string {
    return join(this.options.dir, ENTRIES, name.slice(0, 2), name);
  }

  private fault(kind: string, error: unknown): void {
    if (this.loggedFaults.has(kind)) return;
    this.loggedFaults.add(kind);
    this.logger.warn(`Disk tier ${kind} failed (treated as a miss; logged once): ${(error as Error).message}`);
  }
}

function fileName(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function encode(key: string, value: unknown, expiresAt: number): Buffer {
  const body = serialize([key, value]);
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeDoubleBE(expiresAt, MAGIC.length);
  createHash('sha1').update(body).digest().copy(header, MAGIC.length + 8);
  return Buffer.concat([header, body]);
}

function expiryOf(file: Buffer): number | undefined {
  if (file.length <= HEADER_BYTES || !file.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  return file.readDoubleBE(MAGIC.length);
}

function decode(file: Buffer): { key: string; value: unknown } | undefined {
  const body = file.subarray(HEADER_BYTES);
  const digest = file.subarray(MAGIC.length + 8, HEADER_BYTES);
  if (!createHash('sha1').update(body).digest().equals(digest)) return undefined;
  const decoded: unknown = deserialize(body);
  if (!Array.isArray(decoded) || decoded.length !== 2 || typeof decoded[0] !== 'string') return undefined;
  return { key: decoded[0], value: decoded[1] };
}
