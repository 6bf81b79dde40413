import { CacheBuilder } from '../../test/support/cache.builder';
import { CacheKeys, cacheKey } from './cache-keys';
import { CacheStack } from './cache-stack';

const key = CacheKeys.price('AAPL');
const tick = () => new Promise((r) => setImmediate(r));

describe(CacheStack.name, () => {
  let clock: number;
  const now = () => clock;

  beforeEach(() => {
    clock = 1_000_000;
  });

  describe('wrap', () => {
    it('runs the factory on a miss, then serves from L1 without running it again', async () => {
      const { sut } = await new CacheBuilder().withL1Only().withClock(now).build();
      const factory = jest.fn(async () => ({ price: 1 }));

      expect(await sut.wrap('price', key, factory)).toEqual({ price: 1 });
      const second = await sut.wrapWithMeta('price', key, factory);

      expect(second.source).toBe('l1');
      expect(second.value).toEqual({ price: 1 });
      expect(factory).toHaveBeenCalledTimes(1);
    });

    it('keeps only the encoded bytes in L1, never the decoded value beside them (L1 counts bytes only)', async () => {
      const { stack, sut } = await new CacheBuilder().withL1Only().build();

      await sut.wrap('price', key, async () => ({ price: 1, history: new Array(1_000).fill(1.5) }));
      const held = stack.local.get(key);

      expect(held && Object.keys(held).sort()).toEqual(['bytes', 'createdAt', 'expiresAt', 'staleAt', 'tags']);
    });

    it('runs the factory once for 500 concurrent callers of one cold key', async () => {
      const { sut } = await new CacheBuilder().withL1Only().build();
      let runs = 0;
      const factory = async () => {
        runs++;
        await new Promise((r) => setTimeout(r, 20));
        return 42;
      };

      const values = await Promise.all(Array.from({ length: 500 }, () => sut.wrap('price', key, factory)));

      expect(runs).toBe(1);
      expect(values.every((v) => v === 42)).toBe(true);
      expect(sut.stats().totals.coalesced).toBe(499);
    });

    it('gives the factory error to every waiter and does not cache it', async () => {
      const { sut } = await new CacheBuilder().withL1Only().build();
      const failing = jest.fn(async () => {
        await tick();
        throw new Error('upstream down');
      });

      const results = await Promise.allSettled(Array.from({ length: 10 }, () => sut.wrap('price', key, failing)));

      expect(failing).toHaveBeenCalledTimes(1);
      expect(results.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'upstream down')).toBe(true);
      expect(await sut.wrap('price', key, async () => 7)).toBe(7);
    });

    it('keeps serving within TTL and runs the factory again after TTL + grace', async () => {
      const { sut } = await new CacheBuilder().withL1Only().withClock(now).withPolicy('price', 1000, 0).build();
      const factory = jest.fn(async () => clock);

      await sut.wrap('price', key, factory);
      clock += 999;
      await sut.wrap('price', key, factory);
      expect(factory).toHaveBeenCalledTimes(1);

      clock += 2;
      expect(await sut.wrap('price', key, factory)).toBe(clock);
      expect(factory).toHaveBeenCalledTimes(2);
    });

    it('uses the TTL the factory chooses from its value (adaptive TTL)', async () => {
      const { sut } = await new CacheBuilder().withL1Only().withClock(now).withPolicy('price', 60_000, 0).build();
      const volatile = jest.fn(async (ctx: { setTtl(ms: number): void }) => {
        ctx.setTtl(100);
        return 'volatile';
      });

      await sut.wrap('price', key, volatile);
      clock += 150;
      await sut.wrap('price', key, volatile);

      expect(volatile).toHaveBeenCalledTimes(2);
    });

    it('accepts a TTL function of the value', async () => {
      const { sut } = await new CacheBuilder().withL1Only().withClock(now).build();
      const result = await sut.wrapWithMeta('price', key, async () => ({ volatility: 0.9 }), {
        ttlMs: (v) => (v.volatility > 0.5 ? 5_000 : 60_000),
      });

      expect(result.staleAt - result.createdAt).toBe(5_000);
    });

    it('does not cache when the factory calls skipCache', async () => {
      const { sut } = await new CacheBuilder().withL1Only().build();
      const factory = jest.fn(async (ctx: { skipCache(): void }) => {
        ctx.skipCache();
        return 'partial';
      });

      await sut.wrap('price', key, factory);
      await sut.wrap('price', key, factory);

      expect(factory).toHaveBeenCalledTimes(2);
      expect(await sut.has(key)).toBe(false);
    });

    it('caches falsy values as values, not as misses', async () => {
      const { sut } = await new CacheBuilder().withL1Only().build();
      for (const [i, value] of [0, false, '', null].entries()) {
        const k = cacheKey('default', 'falsy', i);
        const factory = jest.fn(async () => value);
        await sut.wrap('default', k, factory);
        expect(await sut.wrap('default', k, factory)).toBe(value);
        expect(factory).toHaveBeenCalledTimes(1);
      }
    });

    it('hands out copies: mutating a returned value does not change what L1 holds', async () => {
      const { sut } = await new CacheBuilder().withL1Only().build();
      const first = await sut.wrap('price', key, async () => ({ bars: [1, 2, 3] }));
      first.bars.push(4);

      expect(await sut.get(key)).toEqual({ bars: [1, 2, 3] });
    });
  });

  describe('L1 bounds', () => {
    it('stays within its entry and byte bounds under 100,000 distinct keys', async () => {
      const { sut } = await new CacheBuilder().withL1Only().withL1({ maxEntries: 5_000, maxBytes: 1024 * 1024 }).build();
      let maxEntries = 0;
      let maxBytes = 0;
      for (let i = 0; i < 100_000; i++) {
        await sut.wrap('price', cacheKey('price', `S${i}`), () => ({ symbol: `S${i}`, price: i, bars: [1, 2, 3] }));
        if (i % 1_000 === 999) {
          const { l1 } = sut.stats();
          maxEntries = Math.max(maxEntries, l1.entries);
          maxBytes = Math.max(maxBytes, l1.bytes);
        }
      }

      expect(maxEntries).toBeLessThanOrEqual(5_000);
      expect(maxBytes).toBeLessThanOrEqual(1024 * 1024);
      expect(maxEntries).toBeGreaterThan(1_000);
      expect(await sut.get(cacheKey('price', 'S99999'))).toMatchObject({ price: 99_999 });
      expect(await sut.get(cacheKey('price', 'S0'))).toBeUndefined();
    });
  });

  describe('grace (stale-while-revalidate)', () => {
    it('serves the stale value while exactly one background refresh runs', async () => {
      const { sut } = await new CacheBuilder().withL1Only().withClock(now).withPolicy('price', 1000, 10_000).build();
      await sut.wrap('price', key, async () => 'v1');
      clock += 1500;

      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const refresh = jest.fn(async () => {
        await gate;
        return 'v2';
      });
      const during = await Promise.all(Array.from({ length: 50 }, () => sut.wrapWithMeta('price', key, refresh)));

      expect(during.every((r) => r.value === 'v1' && r.source === 'stale')).toBe(true);
      expect(refresh).toHaveBeenCalledTimes(1);

      release();
      await tick();
      await tick();
      const after = await sut.wrapWithMeta('price', key, refresh);
      expect(after).toMatchObject({ value: 'v2', source: 'l1' });
      expect(refresh).toHaveBeenCalledTimes(1);
    });

    it('serves stale, marked, when the refresh fails, and does not retry at once', async () => {
      const { sut, events } = await new CacheBuilder().withL1Only().withClock(now).withPolicy('price', 1000, 10_000).build();
      const staleReasons: string[] = [];
      events.on('stale', (e) => staleReasons.push(e.reason));
      await sut.wrap('price', key, async () => 'v1');
      clock += 1500;
      const failing = jest.fn(async () => {
        throw new Error('upstream 503');
      });

      const first = await sut.wrapWithMeta('price', key, failing);
      await tick();
      const second = await sut.wrapWithMeta('price', key, failing);

      expect(first).toMatchObject({ value: 'v1', source: 'stale' });
      expect(second).toMatchObject({ value: 'v1', source: 'stale' });
      expect(failing).toHaveBeenCalledTimes(1);
      expect(staleReasons).toEqual(['refreshing', 'factory-error']);
    });

    it('stops serving a value past its grace', async () => {
      const { sut } = await new CacheBuilder().withL1Only().withClock(now).withPolicy('price', 1000, 1000).build();
      await sut.wrap('price', key, async () => 'v1');
      clock += 2001;

      const result = await sut.wrapWithMeta('price', key, async () => 'v2');

      expect(result).toMatchObject({ value: 'v2', source: 'factory' });
    });
  });

  describe('values computed from cached inputs', () => {
    const outer = cacheKey('http', 'quote-page');

    it('are never cached fresher than their inputs', async () => {
      const { sut } = await new CacheBuilder().withL1Only().withClock(now).withPolicy('price', 1000, 0).withPolicy('http', 60_000, 0).build();
      await sut.wrap('price', key, async () => 100);
      clock += 400;

      const page = await sut.wrapWithMeta('http', outer, async () => `price ${await sut.wrap('price', key, async () => 0)}`);

      expect(page.staleAt).toBe(1_000_000 + 1000);
    });

    it('are served marked stale and not cached when an input was stale', async () => {
      const { sut } = await new CacheBuilder().withL1Only().withClock(now).withPolicy('price', 1000, 60_000).build();
      await sut.wrap('price', key, async () => 100);
      clock += 1500;
      const refresh = jest.fn(async () => {
        throw new Error('upstream down');
      });
      const page = jest.fn(async () => `price ${await sut.wrap('price', key, refresh)}`);

      const first = await sut.wrapWithMeta('http', outer, page);
      const second = await sut.wrapWithMeta('http', outer, page);

      expect(first).toMatchObject({ value: 'price 100', source: 'stale' });
      expect(second.source).toBe('stale');
      expect(page).toHaveBeenCalledTimes(2);
    });
  });

  describe('nested layers with equal TTLs', () => {
    it('refresh the inner value inside the outer background refresh, so the outer turns fresh', async () => {
      const { sut } = await new CacheBuilder().withL1Only().withClock(now).withPolicy('price', 1000, 60_000).withPolicy('http', 1000, 60_000).build();
      let version = 1;
      const page = () => sut.wrapWithMeta('http', cacheKey('http', 'page'), async () => `v${await sut.wrap('price', key, async () => version)}`);
      await page();
      clock += 1500;
      version = 2;

      const stale = await page();
      await tick();
      await tick();
      const after = await page();

      expect(stale).toMatchObject({ value: 'v1', source: 'stale' });
      expect(after).toMatchObject({ value: 'v2', source: 'l1' });
    });
  });

  describe('with a failing L2', () => {
    it('answers from the factory and L1 without throwing', async () => {
      const { sut } = await new CacheBuilder().withFailingL2().build();
      const factory = jest.fn(async () => 'value');

      expect(await sut.wrap('price', key, factory)).toBe('value');
      expect(await sut.wrap('price', key, factory)).toBe('value');
      await expect(sut.set('price', key, 'other')).resolves.toBeUndefined();
      expect(await sut.get(key)).toBe('other');
      await expect(sut.delete(key)).resolves.toBeUndefined();
      expect(await sut.get(key)).toBeUndefined();
      expect(factory).toHaveBeenCalledTimes(1);
      expect(sut.stats().l2.errors + sut.stats().l2.circuitOpenRejections).toBeGreaterThan(0);
      expect(sut.stats().backend).toBe('memory');
    });
  });

  describe('invalidation', () => {
    it('drops tagged entries only', async () => {
      const { sut } = await new CacheBuilder().withL1Only().build();
      await sut.set('score', CacheKeys.score('AAPL', 'short'), 1, { tags: ['sym:AAPL'] });
      await sut.set('score', CacheKeys.score('MSFT', 'short'), 2, { tags: ['sym:MSFT'] });

      expect(await sut.invalidateTag('sym:AAPL')).toBe(1);
      expect(await sut.get(CacheKeys.score('AAPL', 'short'))).toBeUndefined();
      expect(await sut.get(CacheKeys.score('MSFT', 'short'))).toBe(2);
    });

    it('deletes by pattern within one policy', async () => {
      const { sut } = await new CacheBuilder().withL1Only().build();
      await sut.set('price', CacheKeys.price('AAPL'), 1);
      await sut.set('price', CacheKeys.price('MSFT'), 2);
      await sut.set('info', CacheKeys.info('AAPL'), 3);

      expect(await sut.deleteByPattern('v1:price:*')).toBe(2);
      expect(await sut.get(CacheKeys.info('AAPL'))).toBe(3);
    });
  });
});
