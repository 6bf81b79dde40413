import { CacheKeys } from '../../src/cache/cache-keys';
import { CacheBuilder } from '../support/cache.builder';
import { timed } from '../support/latency';
import { redisCli } from '../support/redis-cli';
import { RedisServer } from '../support/redis-server';

/**
 * A stampede lease whose `SET NX` missed the deadline because Redis was frozen still lands when
 * Redis resumes. Nobody holds it, so without an undo every replica would wait the full
 * `CACHE_LOCK_WAIT_MS` for a value that never comes (found under load in redis-faults-http).
 */
describe('stampede lease after a timed-out acquire', () => {
  let redis: RedisServer;

  beforeEach(async () => {
    redis = await RedisServer.start();
  });

  afterEach(async () => {
    redis.resume();
    await redis.stop();
  });

  it('is undone once Redis resumes, so other replicas do not wait for a holder that gave up', async () => {
    const env = { CACHE_L2_TIMEOUT_MS: '100', CACHE_LOCK_WAIT_MS: '3000' };
    const a = await new CacheBuilder().withRedis(redis.url).withEnv(env).build();
    const b = await new CacheBuilder().withRedis(redis.url).withEnv({ ...env, REDIS_PREFIX: a.prefix }).build();
    const key = CacheKeys.price('LEASE');
    // A successful call first: right after a failed one, leases are not even attempted.
    await a.sut.get(CacheKeys.price('WARM'));

    redis.freeze();
    const outcome = await a.connection.lock!.acquire(key);
    redis.resume();

    expect(outcome).toEqual({ held: false, busy: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(Number(await redisCli(redis.port, ['exists', `${a.prefix}state:lock:${key}`]))).toBe(0);
    const other = await timed(() => b.sut.wrap('price', key, async () => 'computed by b'));
    expect(other.value).toBe('computed by b');
    expect(other.ms).toBeLessThan(1500);
  });

  it('is undone even when the same freeze opened the breaker before the undo was sent', async () => {
    const a = await new CacheBuilder().withRedis(redis.url).withEnv({ CACHE_L2_TIMEOUT_MS: '100', CACHE_BREAKER_MIN_REQUESTS: '5' }).build();
    await a.sut.get(CacheKeys.price('WARM'));
    const keys = Array.from({ length: 20 }, (_, i) => CacheKeys.price(`LEASE${i}`));

    redis.freeze();
    const outcomes = await Promise.all(keys.map((key) => a.connection.lock!.acquire(key)));
    expect(a.sut.stats().breaker).toBe('open');
    redis.resume();

    expect(outcomes.every((o) => !o.held)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    // No lease left; the undo's tombstones stay for the lease's lifetime by design (lease-scripts.ts).
    const left = (await redisCli(redis.port, ['keys', `${a.prefix}state:lock:*`])).split('\n').filter((k) => k && !k.includes(':tomb:'));
    expect(left).toEqual([]);
  });
});
