import fc from 'fast-check';
import { POLICY_NAMES, type PolicyName } from './cache-policies';
import { CACHE_SCHEMA_VERSION, CacheKeys, cacheKey, tagIndexKey } from './cache-keys';
import { globToRegExp } from './glob';

// Fixed seed: a failure reproduces with the same inputs (fast-check prints seed and path).
const SEED = 20_261_123;
const RUNS = 2_000;

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const nasty = fc.constantFrom(':', '::', '*', '?', '[', ']', '\\', '{', '}', '%', '%u', '%ud800', '%2A', '%3A', '..', '/', ' ', '\u0000', '\n', '\u202e', 'v1:price:AAPL', 'tag:', '😀', 'é');
/** Any string a caller might pass as a key part: arbitrary code points, lone surrogates, key syntax. */
const part = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.array(fc.oneof(nasty, loneSurrogate, fc.string({ maxLength: 3 })), { maxLength: 5 }).map((a) => a.join('')),
  fc.integer().map((n) => n as string | number),
);
const policy = fc.constantFrom(...POLICY_NAMES);

/** The inverse of `cacheKey`'s part encoding: `%uXXXX` is a lone surrogate, the rest is URI-encoded UTF-8. */
function decodePart(encoded: string): string {
  return encoded
    .split(/(%u[0-9a-f]{4})/)
    .map((chunk, i) => (i % 2 === 1 ? String.fromCharCode(parseInt(chunk.slice(2), 16)) : decodeURIComponent(chunk)))
    .join('');
}

function decodeKey(key: string): { version: string; policy: string; parts: string[] } {
  const [version, policyName, ...parts] = key.split(':');
  return { version, policy: policyName, parts: parts.map(decodePart) };
}

const assertProperty = (property: fc.IProperty<unknown[]>) => fc.assert(property, { seed: SEED, numRuns: RUNS });

describe('cache keys from arbitrary user input (fast-check)', () => {
  it('decode back to exactly the policy and parts they were built from: no two inputs share a key, across policies too', () => {
    assertProperty(
      fc.property(policy, fc.array(part, { maxLength: 4 }), (p: PolicyName, parts: (string | number)[]) => {
        expect(decodeKey(cacheKey(p, ...parts))).toEqual({ version: `v${CACHE_SCHEMA_VERSION}`, policy: p, parts: parts.map(String) });
      }),
    );
  });

  it('differ whenever policy or parts differ (checked on pairs, shifted part boundaries included)', () => {
    assertProperty(
      fc.property(policy, policy, fc.array(part, { maxLength: 3 }), fc.array(part, { maxLength: 3 }), (p1, p2, a, b) => {
        const same = p1 === p2 && JSON.stringify(a.map(String)) === JSON.stringify(b.map(String));
        expect(cacheKey(p1, ...a) === cacheKey(p2, ...b)).toBe(same);
        // The same characters split differently into parts: `a:b` + `c` vs `a` + `b:c`.
        const joined = a.map(String).join(':');
        if (a.length > 1) expect(cacheKey(p1, joined)).not.toBe(cacheKey(p1, ...a));
      }),
    );
  });

  it('carry no glob character, whitespace or control character, and exactly one `:` per part boundary', () => {
    assertProperty(
      fc.property(policy, fc.array(part, { maxLength: 4 }), (p, parts) => {
        const key = cacheKey(p, ...parts);
        expect(key).toMatch(/^[A-Za-z0-9%:._~!'()-]+$/);
        expect(key.split(':')).toHaveLength(2 + parts.length);
        expect(key.startsWith(`v${CACHE_SCHEMA_VERSION}:${p}:`) || key === `v${CACHE_SCHEMA_VERSION}:${p}`).toBe(true);
      }),
    );
  });

  it('match only themselves as a Redis glob, so a key used as a pattern cannot reach another key', () => {
    assertProperty(
      fc.property(policy, fc.array(part, { minLength: 1, maxLength: 3 }), fc.array(part, { minLength: 1, maxLength: 3 }), (p, a, b) => {
        const key = cacheKey(p, ...a);
        const other = cacheKey(p, ...b);
        expect(globToRegExp(key).test(key)).toBe(true);
        expect(globToRegExp(key).test(other)).toBe(key === other);
      }),
    );
  });

  it('of every named builder keep user input inside its own policy and segment count', () => {
    const builders: [PolicyName, (s: string) => string, number][] = [
      ['price', CacheKeys.price, 1],
      ['info', CacheKeys.info, 1],
      ['tickers', CacheKeys.tickers, 1],
      ['history', (s) => CacheKeys.history(s, '1d', s), 3],
      ['indicators', (s) => CacheKeys.indicators(s, s, s), 3],
      ['score', (s) => CacheKeys.score(s, s), 2],
      ['prediction', (s) => CacheKeys.prediction(s, s, s), 3],
      ['portfolio', CacheKeys.portfolio, 1],
      ['scan', (s) => CacheKeys.scanResult(s, s, s), 4],
      ['screening', CacheKeys.screening, 1],
      ['default', CacheKeys.nest, 2],
    ];
    assertProperty(
      fc.property(fc.constantFrom(...builders), fc.string({ unit: 'binary', maxLength: 20 }), ([p, build, parts], input) => {
        const key = build(input);
        expect(decodeKey(key).policy).toBe(p);
        expect(key.split(':')).toHaveLength(2 + parts);
        expect(key).toMatch(/^[A-Za-z0-9%:._~!'()-]+$/);
      }),
    );
  });

  it('with REDIS_PREFIX prepended, start with the prefix; tag indexes neither collide nor leave `tag:`', () => {
    const prefix = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,32}$/);
    assertProperty(
      fc.property(prefix, policy, fc.array(part, { maxLength: 3 }), part, part, (pre, p, parts, t1, t2) => {
        expect((pre + cacheKey(p, ...parts)).startsWith(pre)).toBe(true);
        const [i1, i2] = [tagIndexKey(String(t1)), tagIndexKey(String(t2))];
        expect(i1 === i2).toBe(String(t1) === String(t2));
        expect(i1.startsWith('tag:')).toBe(true);
        expect(i1.split(':')).toHaveLength(2);
        expect(i1).toMatch(/^[A-Za-z0-9%:._~!'()-]+$/);
      }),
    );
  });
});
