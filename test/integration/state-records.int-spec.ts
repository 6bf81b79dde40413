import { type RedisTopology } from '../../src/cache';
import { RedisStateRecords } from '../../src/state/redis-state-records';
import { MemoryStateRecords, type StateRecords } from '../../src/state/state-records';
import { startPrivateTopology, stopPrivateTopology } from '../support/private-topology';
import type { RedisServer } from '../support/redis-server';

/**
 * State records (the stored screenings): kept for the retention after their last write, in
 * memory and in a private Redis alike, where nothing carries a Redis expiry and old records are
 * pruned by the next write.
 */

const HOUR = 3600_000;
let redis: RedisServer;
let client: RedisTopology;

beforeAll(async () => {
  ({ redis, client } = await startPrivateTopology());
});
afterAll(() => stopPrivateTopology({ redis, client }));

type Make = (clock: () => number) => StateRecords<{ n: number }>;
const prefix = `sr${Math.random().toString(36).slice(2, 8)}:state:`;
const cases: [string, Make][] = [
  ['memory', (clock) => new MemoryStateRecords(24 * HOUR, clock)],
  ['redis', (clock) => new RedisStateRecords(() => client, prefix, `screening${Math.random().toString(36).slice(2, 6)}`, 24 * HOUR, 'Screenings', 1000, clock)],
];

describe.each(cases)('state records (%s)', (_, make) => {
  it('keeps a record for the retention after its last write, then forgets it; a rewrite restarts the retention', async () => {
    let now = Date.parse('2026-12-01T00:05:00Z');
    const records = make(() => now);
    await records.put('2026-12-01', { n: 1 });
    now += 20 * HOUR;
    await records.put('2026-12-01', { n: 2 });
    now += 20 * HOUR;
    expect(await records.get('2026-12-01')).toEqual({ n: 2 });
    expect(await records.get('2026-11-30')).toBeUndefined();
    now += 5 * HOUR;
    expect(await records.get('2026-12-01')).toBeUndefined();
  });

  it('a write prunes the records past retention', async () => {
    let now = Date.parse('2026-12-01T00:05:00Z');
    const records = make(() => now);
    await records.put('2026-12-01', { n: 1 });
    now += 25 * HOUR;
    await records.put('2026-12-02', { n: 2 });
    now -= 2 * HOUR; // a clock stepping back cannot resurrect a pruned record
    expect(await records.get('2026-12-01')).toBeUndefined();
    expect(await records.get('2026-12-02')).toEqual({ n: 2 });
  });
});

it('in Redis, records and their index carry no expiry, and pruned records are gone from Redis', async () => {
  let now = Date.parse('2026-12-01T00:05:00Z');
  const records = new RedisStateRecords<{ n: number }>(() => client, prefix, 'pruned', 24 * HOUR, 'Screenings', 1000, () => now);
  await records.put('2026-12-01', { n: 1 });
  await records.put('2026-12-02', { n: 2 });
  const keys = [`${prefix}{pruned}:r:2026-12-01`, `${prefix}{pruned}:r:2026-12-02`, `${prefix}{pruned}:index`];
  for (const key of keys) expect({ key, pttl: await client.pTTL(key) }).toEqual({ key, pttl: -1 });
  now += 30 * HOUR;
  await records.put('2026-12-03', { n: 3 });
  expect(await client.exists(`${prefix}{pruned}:r:2026-12-01`)).toBe(0);
  expect(await client.exists(`${prefix}{pruned}:r:2026-12-02`)).toBe(0);
  expect(await client.exists(`${prefix}{pruned}:r:2026-12-03`)).toBe(1);
});
