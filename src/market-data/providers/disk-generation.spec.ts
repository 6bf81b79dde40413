import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generationMark } from '../../cache';
import { GENERATION_FILE, openGenerationDir } from './disk-generation';

describe(openGenerationDir.name, () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'disk-generation-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens one folder per source identity and records the identity in it', async () => {
    const a = await openGenerationDir(dir, 'synthetic;seed=42;size=5000');
    const again = await openGenerationDir(dir, 'synthetic;seed=42;size=5000');

    expect(a).toBe(join(dir, generationMark('synthetic;seed=42;size=5000')));
    expect(again).toBe(a);
    expect(readFileSync(join(a, GENERATION_FILE), 'utf8')).toBe('synthetic;seed=42;size=5000\n');
  });

  it('removes the other generations and keeps its own entries', async () => {
    const synthetic = await openGenerationDir(dir, 'synthetic;seed=42;size=5000');
    writeFileSync(join(synthetic, 'entry'), 'x');
    const csv = await openGenerationDir(dir, 'csv;abc');
    writeFileSync(join(csv, 'entry'), 'y');

    expect(existsSync(synthetic)).toBe(false);
    await openGenerationDir(dir, 'csv;abc');
    expect(readFileSync(join(csv, 'entry'), 'utf8')).toBe('y');
  });

  it('never touches what is not recognisably ours', async () => {
    mkdirSync(join(dir, 'abcdefgh'));
    writeFileSync(join(dir, 'abcdefgh', 'data'), 'mine');
    mkdirSync(join(dir, 'v1', 'notes'), { recursive: true });
    mkdirSync(join(dir, 'tmp'));
    writeFileSync(join(dir, 'README'), 'hello');

    await openGenerationDir(dir, 'csv;abc');

    expect(existsSync(join(dir, 'abcdefgh', 'data'))).toBe(true);
    // `v1` holds something other than the old store's two-hex-digit shards, so `tmp` is not the old store's either.
    expect(existsSync(join(dir, 'v1', 'notes'))).toBe(true);
    expect(existsSync(join(dir, 'tmp'))).toBe(true);
    expect(existsSync(join(dir, 'README'))).toBe(true);
  });
});
