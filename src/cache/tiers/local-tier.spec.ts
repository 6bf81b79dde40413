import { LocalTier, type LocalEntry, type LocalTierOptions } from './local-tier';

const KIB = 1024;
const HOUR = 3_600_000;

function entryOf(bytes: Buffer, overrides: Partial<LocalEntry> = {}): LocalEntry {
  const now = Date.now();
  return { bytes, createdAt: now, staleAt: now + HOUR, expiresAt: now + 2 * HOUR, tags: [], ...overrides };
}

function build(options: Partial<LocalTierOptions> = {}): LocalTier {
  return new LocalTier({ maxEntries: 5_000, maxBytes: 512 * KIB, maxEntryBytes: 64 * KIB, ...options });
}

const keyOf = (i: number) => `v1:price:SYM${String(i).padStart(6, '0')}`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe(LocalTier.name, () => {
  describe('bounds', () => {
    const TOTAL = 100_000;
    const value = Buffer.alloc(200, 7);

    it('never exceeds maxBytes while 100,000 distinct ~200-byte values go in, and keeps the newest', () => {
      const sut = build({ maxEntries: 5_000, maxBytes: 512 * KIB });
      const entry = entryOf(value);

      for (let i = 0; i < TOTAL; i++) {
        sut.set(keyOf(i), entry);
        if ((i + 1) % 1_000 === 0) {
          expect(sut.entries).toBeLessThanOrEqual(5_000);
          expect(sut.bytes).toBeLessThanOrEqual(512 * KIB);
          expect(sut.entries).toBeGreaterThan(0);
        }
      }

      // ~330 bytes per entry with key and overhead: bytes, not entries, is the binding limit here.
      expect(sut.entries).toBeLessThan(5_000);
      expect(sut.bytes).toBeGreaterThan(512 * KIB - 1_000);
      for (let i = TOTAL - 1_000; i < TOTAL; i++) expect(sut.get(keyOf(i))).toBe(entry);
      for (let i = 0; i < TOTAL - 5_000; i += 997) expect(sut.get(keyOf(i))).toBeUndefined();
      expect(sut.get(keyOf(0))).toBeUndefined();
    });

    it('never exceeds maxEntries while 100,000 distinct ~200-byte values go in, and keeps exactly the newest maxEntries', () => {
      const sut = build({ maxEntries: 5_000, maxBytes: 64 * 1024 * KIB });
      const entry = entryOf(value);

      for (let i = 0; i < TOTAL; i++) {
        sut.set(keyOf(i), entry);
        if ((i + 1) % 1_000 === 0) {
          expect(sut.entries).toBeLessThanOrEqual(5_000);
          expect(sut.bytes).toBeLessThanOrEqual(64 * 1024 * KIB);
        }
      }

      expect(sut.entries).toBe(5_000);
      expect(sut.get(keyOf(TOTAL - 5_000))).toBe(entry);
      expect(sut.get(keyOf(TOTAL - 1))).toBe(entry);
      expect(sut.get(keyOf(TOTAL - 5_001))).toBeUndefined();
      expect(sut.get(keyOf(0))).toBeUndefined();
    });

    it('evicts the least recently used key, not the least recently written one', () => {
      const sut = build({ maxEntries: 3, maxBytes: 64 * KIB });
      const entry = entryOf(Buffer.alloc(10));
      sut.set('a', entry);
      sut.set('b', entry);
      sut.set('c', entry);

      sut.get('a');
      sut.set('d', entry);

      expect(sut.get('a')).toBe(entry);
      expect(sut.get('b')).toBeUndefined();
      expect(sut.get('c')).toBe(entry);
      expect(sut.get('d')).toBe(entry);
    });

    it('counts the key and a fixed overhead in bytes, and gives them back on delete', () => {
      const sut = build();

      sut.set('abcd', entryOf(Buffer.alloc(100)));
      const held = sut.bytes;
      sut.delete('abcd');

      expect(held).toBeGreaterThan(100 + 4 * 2);
      expect(sut.bytes).toBe(0);
      expect(sut.entries).toBe(0);
    });
  });

  describe('maxEntryBytes', () => {
    it('does not store a value larger than maxEntryBytes', () => {
      const sut = build({ maxEntryBytes: 4 * KIB });

      sut.set('big', entryOf(Buffer.alloc(4 * KIB + 1)));

      expect(sut.get('big')).toBeUndefined();
      expect(sut.entries).toBe(0);
      expect(sut.bytes).toBe(0);
    });

    it('stores a value well under maxEntryBytes', () => {
      const sut = build({ maxEntryBytes: 4 * KIB });
      const entry = entryOf(Buffer.alloc(2 * KIB));

      sut.set('small', entry);

      expect(sut.get('small')).toBe(entry);
    });

    it('drops the previous value of a key when an oversized value replaces it (never serves the old one)', () => {
      const sut = build({ maxEntryBytes: 4 * KIB });
      sut.set('k', entryOf(Buffer.alloc(100)));

      sut.set('k', entryOf(Buffer.alloc(8 * KIB)));

      expect(sut.get('k')).toBeUndefined();
      expect(sut.entries).toBe(0);
    });
  });

  describe('set', () => {
    it('stores nothing when the entry is already past its hard expiry', () => {
      const sut = build();
      const now = 1_700_000_000_000;

      sut.set('past', entryOf(Buffer.alloc(10), { staleAt: now - 2_000, expiresAt: now - 1_000 }), now);
      sut.set('now', entryOf(Buffer.alloc(10), { staleAt: now, expiresAt: now }), now);

      expect(sut.get('past')).toBeUndefined();
      expect(sut.get('now')).toBeUndefined();
      expect(sut.entries).toBe(0);
    });

    it('stores an entry that is stale but not yet expired', () => {
      const sut = build();
      const now = 1_700_000_000_000;
      const entry = entryOf(Buffer.alloc(10), { staleAt: now - 1_000, expiresAt: now + 60_000 });

      sut.set('graced', entry, now);

      expect(sut.get('graced')).toBe(entry);
    });

    it('removes an entry at its hard expiry, even under a longer max TTL', async () => {
      const sut = build();
      sut.setMaxTtl(HOUR);
      const now = Date.now();
      sut.set('short', entryOf(Buffer.alloc(10), { staleAt: now + 20, expiresAt: now + 40 }), now);
      sut.set('long', entryOf(Buffer.alloc(10), { staleAt: now + HOUR, expiresAt: now + 2 * HOUR }), now);

      await sleep(120);

      expect(sut.get('short')).toBeUndefined();
      expect(sut.get('long')).toBeDefined();
    });

    it('overwrites an existing key', () => {
      const sut = build();
      const first = entryOf(Buffer.from('one'));
      const second = entryOf(Buffer.from('two'));

      sut.set('k', first);
      sut.set('k', second);

      expect(sut.get('k')).toBe(second);
      expect(sut.entries).toBe(1);
    });
  });

  describe('deleteWhere', () => {
    it('drops only the keys the predicate accepts and returns how many', () => {
      const sut = build();
      for (let i = 0; i < 100; i++) sut.set(`k${i}`, entryOf(Buffer.alloc(10)));

      const dropped = sut.deleteWhere((key) => Number(key.slice(1)) % 3 === 0);

      expect(dropped).toBe(34);
      expect(sut.entries).toBe(66);
      for (let i = 0; i < 100; i++) {
        if (i % 3 === 0) expect(sut.get(`k${i}`)).toBeUndefined();
        else expect(sut.get(`k${i}`)).toBeDefined();
      }
    });

    it('can match on the entry metadata (tag invalidation)', () => {
      const sut = build();
      sut.set('a', entryOf(Buffer.alloc(1), { tags: ['sym:AAPL'] }));
      sut.set('b', entryOf(Buffer.alloc(1), { tags: ['sym:MSFT'] }));
      sut.set('c', entryOf(Buffer.alloc(1), { tags: ['sym:AAPL', 'sector:tech'] }));

      const dropped = sut.deleteWhere((_, entry) => entry.tags.includes('sym:AAPL'));

      expect(dropped).toBe(2);
      expect(sut.get('a')).toBeUndefined();
      expect(sut.get('b')).toBeDefined();
      expect(sut.get('c')).toBeUndefined();
    });

    it('returns 0 and keeps everything when nothing matches', () => {
      const sut = build();
      sut.set('a', entryOf(Buffer.alloc(1)));
      sut.set('b', entryOf(Buffer.alloc(1)));

      expect(sut.deleteWhere(() => false)).toBe(0);
      expect(sut.entries).toBe(2);
    });

    it('counts every key once, even after evictions reshuffled the LRU slots', () => {
      const sut = build({ maxEntries: 50 });
      for (let i = 0; i < 80; i++) sut.set(`k${i}`, entryOf(Buffer.alloc(10)));

      const dropped = sut.deleteWhere((key) => Number(key.slice(1)) % 2 === 0);

      expect(dropped).toBe(25);
      expect(sut.entries).toBe(25);
      expect(sut.deleteWhere(() => true)).toBe(25);
      expect(sut.entries).toBe(0);
      expect(sut.bytes).toBe(0);
    });
  });

  describe('setMaxTtl', () => {
    it('caps how long entries written after it live in L1, whatever their own expiry', async () => {
      const sut = build();
      sut.set('before', entryOf(Buffer.alloc(10)));

      sut.setMaxTtl(40);
      sut.set('capped', entryOf(Buffer.alloc(10)));
      expect(sut.get('capped')).toBeDefined();
      await sleep(120);

      expect(sut.get('capped')).toBeUndefined();
      expect(sut.get('before')).toBeDefined();
    });

    it('lifts the cap when set back to Infinity', async () => {
      const sut = build();
      sut.setMaxTtl(40);
      sut.setMaxTtl(Number.POSITIVE_INFINITY);

      sut.set('uncapped', entryOf(Buffer.alloc(10)));
      await sleep(120);

      expect(sut.get('uncapped')).toBeDefined();
    });
  });

  describe('clear', () => {
    it('empties the tier', () => {
      const sut = build();
      sut.set('a', entryOf(Buffer.alloc(10)));
      sut.set('b', entryOf(Buffer.alloc(10)));

      sut.clear();

      expect(sut.entries).toBe(0);
      expect(sut.bytes).toBe(0);
      expect(sut.get('a')).toBeUndefined();
    });
  });
});
