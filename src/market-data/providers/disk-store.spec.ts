import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { losslessEqual } from '../../../test/support/lossless-equal';
import { DiskStore } from './disk-store';

const MiB = 1024 * 1024;

describe(DiskStore.name, () => {
  let dir: string;
  let clock: number;
  const now = () => clock;
  const open = (maxBytes = 8 * MiB) => DiskStore.open({ dir, maxBytes, now });
  const entryFiles = () => readdirSync(join(dir, 'v1'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'disk-store-'));
    clock = 1_700_000_000_000;
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips values losslessly (what JSON would lose)', async () => {
    const sut = await open();
    const value = {
      nan: NaN,
      inf: -Infinity,
      negZero: -0,
      date: new Date('2024-01-02T03:04:05.678Z'),
      big: 2n ** 70n,
      map: new Map([['a', 1]]),
      set: new Set([1, 2]),
      bytes: new Float64Array([1.5, -2]),
      undef: undefined,
      nested: [{ falsy: 0, empty: '', no: false, nil: null }],
    };
    await sut.set('k', value, 60_000);
    const got = await sut.get<typeof value>('k');
    // Deserialized objects live in Node's realm, not Jest's: compare with a realm-proof deep equality.
    expect(losslessEqual(got, value)).toBe(true);
    expect(losslessEqual(got, { ...value, negZero: 0 })).toBe(false);
    expect(Object.is(got?.negZero, -0)).toBe(true);
    expect(got?.big).toBe(2n ** 70n);
    expect('undef' in (got ?? {})).toBe(true);
    // Falsy values are values, not misses.
    await sut.set('zero', 0, 60_000);
    await sut.set('null', null, 60_000);
    expect(await sut.get('zero')).toBe(0);
    expect(await sut.get('null')).toBeNull();
  });

  it('honours TTLs: an expired entry is a miss and its file is removed', async () => {
    const sut = await open();
    await sut.set('k', 'v', 1000);
    clock += 999;
    expect(await sut.get('k')).toBe('v');
    clock += 1;
    expect(await sut.get('k')).toBeUndefined();
    expect(entryFiles()).toHaveLength(0);
    expect(sut.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('survives a new instance on the same directory, expiry included', async () => {
    const first = await open();
    await first.set('history:AAPL', [{ close: 1.25 }], 60_000);
    await first.set('short', 'lived', 10);
    const bytes = first.stats().bytes;

    const second = await open();
    expect(second.stats()).toMatchObject({ entries: 2, bytes });
    expect(await second.get('history:AAPL')).toEqual([{ close: 1.25 }]);
    clock += 10;
    expect(await second.get('short')).toBeUndefined();
  });

  it('stays within maxBytes by evicting the oldest written entries, also when reopened smaller', async () => {
    const sut = await open(MiB);
    const blob = Buffer.alloc(100 * 1024, 7);
    for (let i = 0; i < 20; i++) {
      await sut.set(`k${i}`, blob, 60_000);
      expect(sut.stats().bytes).toBeLessThanOrEqual(MiB);
      // Reopening orders files by mtime, which the kernel stamps from a coarse clock (a few ms):
      // files written within one tick tie, so space the writes as real ones are.
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await sut.get('k0')).toBeUndefined();
    expect(blob.equals((await sut.get<Buffer>('k19')) ?? Buffer.alloc(0))).toBe(true);
    const entries = sut.stats().entries;
    expect(entries).toBeLessThan(20);
    expect(entryFiles()).toHaveLength(entries);

    // Reopened with a smaller bound: the oldest files go first.
    const reopened = await DiskStore.open({ dir, maxBytes: 3 * 110 * 1024, now });
    expect(reopened.stats().entries).toBe(3);
    expect(blob.equals((await reopened.get<Buffer>('k19')) ?? Buffer.alloc(0))).toBe(true);
  });

  it('does not store an entry larger than an eighth of the bound (it would flush the store)', async () => {
    const sut = await open(MiB);
    await sut.set('small', 'x', 60_000);
    await sut.set('huge', Buffer.alloc(200 * 1024), 60_000);
    expect(await sut.get('huge')).toBeUndefined();
    expect(await sut.get('small')).toBe('x');
  });

  it('treats a corrupt or truncated file as a miss and removes it', async () => {
    const sut = await open();
    await sut.set('a', { v: 1 }, 60_000);
    await sut.set('b', { v: 2 }, 60_000);
    const [fileA, fileB] = entryFiles().map((e) => join(e.parentPath, e.name));
    writeFileSync(fileA, 'not our format');
    writeFileSync(fileB, Buffer.alloc(40, 0));
    expect(await sut.get('a')).toBeUndefined();
    expect(await sut.get('b')).toBeUndefined();
    expect(entryFiles()).toHaveLength(0);
    // And the key works again afterwards.
    await sut.set('a', { v: 3 }, 60_000);
    expect(await sut.get('a')).toEqual({ v: 3 });
  });

  it('detects a flipped byte in the value, and a file left by a crash in tmp is cleaned at open', async () => {
    const sut = await open();
    await sut.set('a', 'hello world', 60_000);
    const [entry] = entryFiles();
    const path = join(entry.parentPath ?? entry.path, entry.name);
    const bytes = readFileSync(path);
    bytes[bytes.length - 2] ^= 0xff;
    writeFileSync(path, bytes);
    writeFileSync(join(dir, 'tmp', 'leftover'), 'partial');
    const reopened = await open();
    expect(await reopened.get('a')).toBeUndefined();
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('never throws when the directory disappears: reads miss, writes are dropped', async () => {
    const sut = await open();
    await sut.set('a', 1, 60_000);
    rmSync(dir, { recursive: true, force: true });
    expect(await sut.get('a')).toBeUndefined();
    await expect(sut.set('b', 2, 60_000)).resolves.toBeUndefined();
    expect(await sut.get('b')).toBeUndefined();
  });
});
