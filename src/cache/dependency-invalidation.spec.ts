import { CacheBuilder } from '../../test/support/cache.builder';
import { CacheKeys } from './cache-keys';
import { MAX_DEPENDENCY_TAGS, WIDE_TAG } from './dependency-tags';

const price = CacheKeys.price('AAPL');
const score = CacheKeys.score('AAPL', 'medium');
const msft = CacheKeys.price('MSFT');

describe('derived entries follow their inputs', () => {
  it('an entry built from a cached value carries its key and its symbol; invalidating the symbol drops both', async () => {
    const { sut, stack } = await new CacheBuilder().withL1Only().build();
    await sut.wrap('price', price, () => {
      sut.dependsOnSymbol('aapl');
      return { price: 1 };
    });
    const derived = await sut.wrapWithMeta('score', score, async () => ({ of: ((await sut.get<{ price: number }>(price)) ?? { price: 0 }).price }));
    await sut.wrap('price', msft, () => {
      sut.dependsOnSymbol('MSFT');
      return { price: 2 };
    });

    expect(derived.tags).toEqual(expect.arrayContaining(['sym:AAPL', `key:${price}`]));
    expect(await sut.invalidateSymbol('AAPL')).toBe(2);
    expect(await sut.get(price)).toBeUndefined();
    expect(await sut.get(score)).toBeUndefined();
    expect(await sut.get(msft)).toEqual({ price: 2 });
    expect(stack.local.entries).toBe(1);
  });

  it('a pattern delete of an input takes what was built from it', async () => {
    const { sut } = await new CacheBuilder().withL1Only().build();
    await sut.wrap('price', price, () => ({ price: 1 }));
    await sut.wrap('score', score, async () => ((await sut.get<{ price: number }>(price)) ?? { price: 0 }).price);
    const unrelated = CacheKeys.info('MSFT');
    await sut.wrap('info', unrelated, () => 'msft');

    await sut.deleteByPattern('v1:price:*');

    expect(await sut.get(score)).toBeUndefined();
    expect(await sut.get(unrelated)).toBe('msft');
  });

  it(`an entry built from more than ${MAX_DEPENDENCY_TAGS} inputs is wide: any symbol's invalidation drops it`, async () => {
    const { sut } = await new CacheBuilder().withL1Only().build();
    const scan = CacheKeys.scan('request', '2026-12-01');
    const result = await sut.wrapWithMeta('scan', scan, () => {
      for (let i = 0; i < MAX_DEPENDENCY_TAGS + 1; i++) sut.dependsOnSymbol(`S${i}`);
      return 'ranked';
    });
    expect(result.tags).toEqual([WIDE_TAG]);
    await sut.invalidateSymbol('NOT-AN-INPUT');
    expect(await sut.get(scan)).toBeUndefined();
  });

  it('a slow factory that read its input before an invalidation answers its caller but never publishes', async () => {
    const { sut } = await new CacheBuilder().withL1Only().build();
    await sut.wrap('price', price, () => {
      sut.dependsOnSymbol('AAPL');
      return { price: 1 };
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = sut.wrapWithMeta('score', score, async () => {
      const input = await sut.get<{ price: number }>(price);
      await gate; // the operator invalidates AAPL while this runs
      return input?.price;
    });
    await new Promise((resolve) => setImmediate(resolve));

    await sut.invalidateSymbol('AAPL');
    release();

    expect((await slow).value).toBe(1);
    expect(await sut.get(score)).toBeUndefined();
    // Computed after the invalidation, it is cached as usual.
    await sut.wrap('score', score, async () => (await sut.get<{ price: number }>(price))?.price ?? 'recomputed');
    expect(await sut.get(score)).toBe('recomputed');
  });

  it('an invalidation of an unrelated symbol does not hold back a slow factory', async () => {
    const { sut } = await new CacheBuilder().withL1Only().build();
    const slow = sut.wrap('price', price, async () => {
      sut.dependsOnSymbol('AAPL');
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { price: 1 };
    });
    await sut.invalidateTag('sym:MSFT');
    await slow;
    expect(await sut.get(price)).toEqual({ price: 1 });
  });
});
