import { CacheKeys, cacheKey } from '../../src/cache/cache-keys';
import type { BuiltCache } from './cache.builder';
import { losslessEqual } from './lossless-equal';

/** The values every tier must return exactly as given (JSON would lose most of them). */
export const LOSSLESS_VALUES: Record<string, unknown> = {
  nan: NaN,
  infinity: Infinity,
  negativeInfinity: -Infinity,
  negativeZero: -0,
  date: new Date('2018-02-07T21:00:00.000Z'),
  null: null,
  zero: 0,
  false: false,
  emptyString: '',
  nested: { bars: [[1, NaN], [2, Infinity]], meta: { asOf: new Date(0), flags: [false, null, 0, ''] } },
  bigint: 10n ** 20n,
  map: new Map([['AAPL', 1]]),
  typedArray: new Float64Array([1.5, NaN]),
};

/**
 * One behavioural contract, run against each tier: `readFrom: 'l2'` drops L1 before every read so
 * the value must come back from Redis.
 */
export function describeStoreContract(name: string, build: () => Promise<BuiltCache>, readFrom: 'l1' | 'l2'): void {
  describe(`store contract: ${name}`, () => {
    let cache: BuiltCache;
    const beforeRead = () => (readFrom === 'l2' ? cache.stack.local.clear() : undefined);

    beforeEach(async () => {
      cache = await build();
    });

    it.each(Object.entries(LOSSLESS_VALUES))('round-trips %s losslessly', async (label, value) => {
      const key = cacheKey('default', 'lossless', label);
      await cache.sut.set('default', key, value);
      beforeRead();

      const result = await cache.stack.get(key);

      expect(result?.source).toBe(readFrom);
      expect(losslessEqual(result?.value, value)).toBe(true);
    });

    it('reports missing keys as undefined and present ones through has', async () => {
      const key = CacheKeys.price('MISSING');
      expect(await cache.sut.get(key)).toBeUndefined();
      expect(await cache.sut.has(key)).toBe(false);
      await cache.sut.set('price', key, 0);
      beforeRead();
      expect(await cache.sut.has(key)).toBe(true);
    });

    it('deletes', async () => {
      const key = CacheKeys.price('DEL');
      await cache.sut.set('price', key, 1);
      await cache.sut.delete(key);
      beforeRead();
      expect(await cache.sut.get(key)).toBeUndefined();
    });

    it('expires values after their TTL', async () => {
      const key = CacheKeys.price('TTL');
      await cache.sut.set('price', key, 1, { ttlMs: 150, graceMs: 0 });
      beforeRead();
      expect(await cache.sut.get(key)).toBe(1);
      await new Promise((r) => setTimeout(r, 350));
      beforeRead();
      expect(await cache.sut.get(key)).toBeUndefined();
    });

    it('sets and gets many, in order, with undefined for the missing', async () => {
      const keys = ['A', 'B', 'C'].map((s) => CacheKeys.price(s));
      await cache.sut.setMany([
        { policy: 'price', key: keys[0], value: { p: 1 } },
        { policy: 'price', key: keys[2], value: { p: 3 } },
      ]);
      beforeRead();
      expect(await cache.sut.getMany(keys)).toEqual([{ p: 1 }, undefined, { p: 3 }]);
    });

    it('deletes by pattern only what matches', async () => {
      await cache.sut.set('price', CacheKeys.price('AAPL'), 1);
      await cache.sut.set('price', CacheKeys.price('MSFT'), 2);
      await cache.sut.set('info', CacheKeys.info('AAPL'), 3);

      expect(await cache.sut.deleteByPattern('v1:price:*')).toBe(2);
      beforeRead();
      expect(await cache.sut.get(CacheKeys.price('AAPL'))).toBeUndefined();
      expect(await cache.sut.get(CacheKeys.info('AAPL'))).toBe(3);
    });

    it('invalidates by tag', async () => {
      await cache.sut.set('score', CacheKeys.score('AAPL', 'short'), 1, { tags: ['sector:tech'] });
      await cache.sut.set('score', CacheKeys.score('XOM', 'short'), 2, { tags: ['sector:energy'] });

      expect(await cache.sut.invalidateTag('sector:tech')).toBe(1);
      beforeRead();
      expect(await cache.sut.get(CacheKeys.score('AAPL', 'short'))).toBeUndefined();
      expect(await cache.sut.get(CacheKeys.score('XOM', 'short'))).toBe(2);
    });

    it(`serves a wrapped value from ${readFrom} on the second call`, async () => {
      const factory = jest.fn(async () => ({ close: 159.54 }));
      await cache.sut.wrap('price', CacheKeys.price('WRAP'), factory);
      beforeRead();
      const second = await cache.sut.wrapWithMeta('price', CacheKeys.price('WRAP'), factory);
      expect(second).toMatchObject({ value: { close: 159.54 }, source: readFrom });
      expect(factory).toHaveBeenCalledTimes(1);
    });
  });
}
