import { serialize } from 'node:v8';
import { types } from 'node:util';
import { runInThisContext } from 'node:vm';
import { crc32 } from 'node:zlib';
import { CorruptEntryError, decodeEntry, encodeEntry, EntryKeyMismatchError, entryState, type CacheEntry } from './cache-entry';

/**
 * `v8.deserialize` builds its objects in Node's main realm, while Jest runs this file in a vm
 * context with its own `Date`, `Map`, ... So `instanceof` is checked against the main realm's
 * constructors (the realm production code runs in), and Map/Set/typed arrays are compared as
 * plain arrays: Jest's `toEqual` throws on Maps from another realm.
 */
const host = runInThisContext('({ Date, Map, Set, Float64Array })') as {
  Date: DateConstructor;
  Map: MapConstructor;
  Set: SetConstructor;
  Float64Array: Float64ArrayConstructor;
};

function entryOf<T>(value: T, overrides: Partial<CacheEntry<T>> = {}): CacheEntry<T> {
  return { value, createdAt: 1_000, staleAt: 2_000, expiresAt: 3_000, tags: ['t1', 't2'], ...overrides };
}

const KEY = 'v1:quote:src=synthetic:AAPL';

function roundTrip<T>(value: T): T {
  return decodeEntry<T>(encodeEntry(entryOf(value), KEY), KEY).value;
}

/** `value` serialized with a valid checksum trailer: it reaches the envelope checks. */
function checksummed(value: unknown): Buffer {
  const body = serialize(value);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(crc32(body));
  return Buffer.concat([body, trailer]);
}

/** Deterministic pseudo-random bytes (xorshift32), so a failure always reproduces. */
function pseudoRandomBytes(seed: number, length: number): Buffer {
  let x = seed || 1;
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function expectCorrupt(bytes: Buffer, expectedKey?: string): CorruptEntryError {
  let caught: unknown;
  try {
    decodeEntry(bytes, expectedKey);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CorruptEntryError);
  return caught as CorruptEntryError;
}

describe(encodeEntry.name, () => {
  it('returns a Buffer that decodes back to the same envelope fields', () => {
    const entry = entryOf({ a: 1 }, { createdAt: 10, staleAt: 20, expiresAt: 30, tags: ['x', 'y:z'] });

    const sut = decodeEntry(encodeEntry(entry, KEY), KEY);

    expect(Buffer.isBuffer(encodeEntry(entry, KEY))).toBe(true);
    expect(sut.createdAt).toBe(10);
    expect(sut.staleAt).toBe(20);
    expect(sut.expiresAt).toBe(30);
    expect([...sut.tags]).toEqual(['x', 'y:z']);
    expect(sut.value).toEqual({ a: 1 });
  });

  it('decodes a fresh copy each time, so a caller mutating its value cannot change what is stored', () => {
    const bytes = encodeEntry(entryOf({ list: [1, 2, 3] }), KEY);

    const first = decodeEntry<{ list: number[] }>(bytes);
    first.value.list.push(4);
    const second = decodeEntry<{ list: number[] }>(bytes);

    expect(second.value.list).toEqual([1, 2, 3]);
    expect(second.value).not.toBe(first.value);
  });
});

describe(decodeEntry.name, () => {
  describe('lossless round trip', () => {
    it.each([
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['-Infinity', Number.NEGATIVE_INFINITY],
      ['-0', -0],
      ['0', 0],
      ['null', null],
      ['false', false],
      ['true', true],
      ['empty string', ''],
      ['a unicode string', 'Äpfel € 日本 😀'],
      ['MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER],
      ['a fraction', 0.1 + 0.2],
    ])('keeps the top-level value %s identical (Object.is)', (_, value) => {
      expect(Object.is(roundTrip(value), value)).toBe(true);
    });

    it('keeps undefined as a top-level value', () => {
      const sut = decodeEntry(encodeEntry(entryOf(undefined), KEY), KEY);

      expect(sut.value).toBeUndefined();
      expect(sut.createdAt).toBe(1_000);
    });

    it('keeps NaN, ±Infinity and -0 inside objects and arrays', () => {
      const sut = roundTrip({ nan: Number.NaN, inf: Infinity, ninf: -Infinity, negZero: -0, list: [Number.NaN, -0, Infinity] });

      expect(Number.isNaN(sut.nan)).toBe(true);
      expect(sut.inf).toBe(Number.POSITIVE_INFINITY);
      expect(sut.ninf).toBe(Number.NEGATIVE_INFINITY);
      expect(Object.is(sut.negZero, -0)).toBe(true);
      expect(Number.isNaN(sut.list[0])).toBe(true);
      expect(Object.is(sut.list[1], -0)).toBe(true);
      expect(sut.list[2]).toBe(Infinity);
    });

    it('keeps a Date as a Date with the same time', () => {
      const date = new Date('2024-02-29T13:45:12.345Z');

      const sut = roundTrip({ asOf: date });

      expect(types.isDate(sut.asOf)).toBe(true);
      expect(sut.asOf instanceof host.Date).toBe(true);
      expect(sut.asOf.getTime()).toBe(date.getTime());
      expect(sut.asOf.toISOString()).toBe('2024-02-29T13:45:12.345Z');
    });

    it('keeps an invalid Date invalid', () => {
      const sut = roundTrip(new Date(Number.NaN));

      expect(types.isDate(sut)).toBe(true);
      expect(Number.isNaN(sut.getTime())).toBe(true);
    });

    it('keeps falsy fields and undefined-valued keys inside objects', () => {
      const sut = roundTrip({ zero: 0, no: false, empty: '', nothing: null, missing: undefined });

      expect(Object.keys(sut).sort()).toEqual(['empty', 'missing', 'no', 'nothing', 'zero']);
      expect(sut).toEqual({ zero: 0, no: false, empty: '', nothing: null, missing: undefined });
      expect('missing' in sut).toBe(true);
      expect(sut.missing).toBeUndefined();
      expect(sut.nothing).toBeNull();
    });

    it('keeps undefined inside arrays (not turned into null as JSON would)', () => {
      const sut = roundTrip([1, undefined, null, 3]);

      expect(sut).toHaveLength(4);
      expect(sut[1]).toBeUndefined();
      expect(sut[2]).toBeNull();
    });

    it('keeps nested arrays and objects', () => {
      const value = {
        bars: [
          { t: 1, o: 10.5, h: 11, l: 10, c: 10.75, v: 1_000 },
          { t: 2, o: 10.75, h: 12, l: 10.5, c: 11.5, v: 2_000 },
        ],
        meta: { symbol: 'AAPL', nested: { deeper: { deepest: [[1, [2, [3]]]] } } },
      };

      expect(roundTrip(value)).toEqual(value);
    });

    it('keeps a Map with its entries and their order', () => {
      const map = new Map<unknown, unknown>([
        ['b', 2],
        ['a', { x: 1 }],
        [3, 'three'],
      ]);

      const sut = roundTrip({ map }).map;

      expect(types.isMap(sut)).toBe(true);
      expect(sut instanceof host.Map).toBe(true);
      expect([...sut.entries()]).toEqual([...map.entries()]);
    });

    it('keeps a Set with its members and their order', () => {
      const set = new Set(['z', 'a', 'm']);

      const sut = roundTrip({ set }).set;

      expect(types.isSet(sut)).toBe(true);
      expect(sut instanceof host.Set).toBe(true);
      expect([...sut]).toEqual(['z', 'a', 'm']);
    });

    it('keeps a BigInt, including values beyond 2^53', () => {
      const big = 2n ** 80n + 1n;

      const sut = roundTrip({ big, neg: -42n });

      expect(typeof sut.big).toBe('bigint');
      expect(sut.big).toBe(big);
      expect(sut.neg).toBe(-42n);
    });

    it('keeps a Float64Array with its exact values, NaN and -0 included', () => {
      const array = new Float64Array([1.5, Number.NaN, -0, Infinity, 1e-300]);

      const sut = roundTrip({ array }).array;

      expect(types.isFloat64Array(sut)).toBe(true);
      expect(sut instanceof host.Float64Array).toBe(true);
      expect(sut).toHaveLength(5);
      expect(sut[0]).toBe(1.5);
      expect(Number.isNaN(sut[1])).toBe(true);
      expect(Object.is(sut[2], -0)).toBe(true);
      expect(sut[3]).toBe(Infinity);
      expect(sut[4]).toBe(1e-300);
    });
  });

  describe('foreign or corrupt bytes', () => {
    it.each([1, 2, 7, 42, 1234, 99991])('throws CorruptEntryError for pseudo-random bytes (seed %i)', (seed) => {
      for (const length of [1, 2, 8, 33, 200]) {
        expectCorrupt(pseudoRandomBytes(seed * 7919 + length, length));
      }
    });

    it('throws CorruptEntryError for an empty buffer', () => {
      expectCorrupt(Buffer.alloc(0));
    });

    it('throws CorruptEntryError for a JSON string in a buffer (a foreign writer)', () => {
      const json = JSON.stringify({ value: 1, createdAt: 1, staleAt: 2, expiresAt: 3, tags: [] });

      const sut = expectCorrupt(Buffer.from(json, 'utf8'));

      expect(sut.name).toBe('CorruptEntryError');
      expect(sut.message).toMatch(/^Not a cache entry of this service: /);
    });

    it('throws CorruptEntryError for a JSON array string that mimics the envelope', () => {
      expectCorrupt(Buffer.from(JSON.stringify(['mc-entry/2', KEY, 1, 2, 3, [], 'v']), 'utf8'));
    });

    it('throws CorruptEntryError for an intact entry of the previous format (mc-entry/1, no key, no checksum)', () => {
      expectCorrupt(serialize(['mc-entry/1', 1, 2, 3, [], 'v']));
    });

    it.each([
      ['an object with the entry fields', { value: 1, createdAt: 1, staleAt: 2, expiresAt: 3, tags: [] }],
      ['a plain string', 'hello'],
      ['a number', 42],
      ['null', null],
      ['an array of six without the magic', [1, 2, 3, 4, 5, 6]],
      ['an array of seven without the magic', [1, 2, 3, 4, 5, 6, 7]],
      ['an envelope of another schema version', ['mc-entry/1', KEY, 1, 2, 3, [], 'v']],
      ['the envelope with one field missing', ['mc-entry/2', KEY, 1, 2, 3, []]],
      ['the envelope with one field too many', ['mc-entry/2', KEY, 1, 2, 3, [], 'v', 'extra']],
    ])('throws CorruptEntryError for a checksummed V8 value without our envelope: %s', (_, value) => {
      const sut = expectCorrupt(checksummed(value));

      expect(sut.message).toContain('missing envelope');
    });

    it.each([
      ['key as a number', ['mc-entry/2', 42, 1, 2, 3, [], 'v']],
      ['createdAt as a string', ['mc-entry/2', KEY, '1', 2, 3, [], 'v']],
      ['staleAt as null', ['mc-entry/2', KEY, 1, null, 3, [], 'v']],
      ['expiresAt as a BigInt', ['mc-entry/2', KEY, 1, 2, 3n, [], 'v']],
      ['expiresAt as a Date', ['mc-entry/2', KEY, 1, 2, new Date(3), [], 'v']],
      ['tags as a string', ['mc-entry/2', KEY, 1, 2, 3, 'tag', 'v']],
      ['tags as a Set', ['mc-entry/2', KEY, 1, 2, 3, new Set(['tag']), 'v']],
    ])('throws CorruptEntryError for an envelope with wrong field types: %s', (_, value) => {
      const sut = expectCorrupt(checksummed(value));

      expect(sut.message).toContain('bad envelope fields');
    });

    it('throws CorruptEntryError for a truncated entry', () => {
      const bytes = encodeEntry(entryOf({ payload: 'x'.repeat(100) }), KEY);

      const sut = expectCorrupt(bytes.subarray(0, bytes.length - 10));

      expect(sut.message).toContain('checksum mismatch');
    });

    it('throws CorruptEntryError for a checksummed body V8 cannot decode, and keeps the decoder error as cause', () => {
      const body = serialize(['mc-entry/2', KEY, 1, 2, 3, [], 'x'.repeat(100)]).subarray(0, 40);
      const trailer = Buffer.alloc(4);
      trailer.writeUInt32BE(crc32(body));

      const sut = expectCorrupt(Buffer.concat([body, trailer]));

      expect(sut.message).toContain('undecodable bytes');
      expect(sut.cause).toBeDefined();
    });

    it('detects every single flipped byte of an entry, payload digits included (which V8 alone would decode)', () => {
      const bytes = encodeEntry(entryOf({ symbol: 'AAPL', price: 189.25, volume: 1_234_567 }), KEY);

      for (let i = 0; i < bytes.length; i++) {
        const altered = Buffer.from(bytes);
        altered[i] ^= 0x04;
        expectCorrupt(altered, KEY);
      }
    });
  });

  describe('key check', () => {
    const entry = entryOf({ symbol: 'MSFT', price: 410.5 });
    const bytes = encodeEntry(entry, 'v1:quote:src=synthetic:MSFT');

    it('decodes an entry read under the key it was stored under', () => {
      expect(decodeEntry(bytes, 'v1:quote:src=synthetic:MSFT').value).toEqual({ symbol: 'MSFT', price: 410.5 });
    });

    it('throws EntryKeyMismatchError, a CorruptEntryError, naming both keys, for an entry read under another key', () => {
      const sut = expectCorrupt(bytes, 'v1:quote:src=synthetic:AAPL');

      expect(sut).toBeInstanceOf(EntryKeyMismatchError);
      expect(sut.name).toBe('EntryKeyMismatchError');
      expect((sut as EntryKeyMismatchError).expectedKey).toBe('v1:quote:src=synthetic:AAPL');
      expect((sut as EntryKeyMismatchError).storedKey).toBe('v1:quote:src=synthetic:MSFT');
    });

    it('treats keys that differ only in case or a suffix as different keys', () => {
      expect(expectCorrupt(bytes, 'v1:quote:src=synthetic:msft')).toBeInstanceOf(EntryKeyMismatchError);
      expect(expectCorrupt(bytes, 'v1:quote:src=synthetic:MSFT ')).toBeInstanceOf(EntryKeyMismatchError);
    });

    it('skips the key check when no key is expected (callers that hold bytes they stored themselves)', () => {
      expect(decodeEntry(bytes).value).toEqual({ symbol: 'MSFT', price: 410.5 });
    });
  });
});

describe(entryState.name, () => {
  const meta = { staleAt: 1_000, expiresAt: 2_000 };

  it.each([
    [0, 'fresh'],
    [999, 'fresh'],
    [999.999, 'fresh'],
    [1_000, 'stale'],
    [1_500, 'stale'],
    [1_999, 'stale'],
    [2_000, 'expired'],
    [2_001, 'expired'],
    [Number.MAX_SAFE_INTEGER, 'expired'],
  ] as const)('at now=%d is %s', (now, expected) => {
    expect(entryState(meta, now)).toBe(expected);
  });

  it('goes straight from fresh to expired when there is no grace (staleAt === expiresAt)', () => {
    const noGrace = { staleAt: 1_000, expiresAt: 1_000 };

    expect(entryState(noGrace, 999)).toBe('fresh');
    expect(entryState(noGrace, 1_000)).toBe('expired');
  });
});
