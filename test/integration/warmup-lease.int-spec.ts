import { createClient } from '@redis/client';
import { RedisLease } from '../../src/warmup/warmup-lease';
import { RedisServer } from '../support/redis-server';

const newClient = (url: string) => createClient({ url, disableOfflineQueue: true, socket: { reconnectStrategy: false } });
type Client = ReturnType<typeof newClient>;

describe(RedisLease.name, () => {
  let redis: RedisServer;
  const clients: Client[] = [];

  const connect = async (): Promise<Client> => {
    const client = newClient(redis.url);
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => (c.isOpen ? c.close() : undefined)));
  });

  afterAll(async () => {
    await redis.stop();
  });

  it('lets exactly one of several replicas acquire it, with the TTL set', async () => {
    const key = 'it:lock:warmup:one';
    const leasers = await Promise.all([1, 2, 3, 4, 5].map(async () => new RedisLease(await connect(), key)));
    const results = await Promise.all(leasers.map((l) => l.acquire(10_000)));
    expect(results.filter((r) => r.state === 'acquired')).toHaveLength(1);
    expect(results.filter((r) => r.state === 'busy')).toHaveLength(4);
    const pttl = await clients[0].pTTL(key);
    expect(pttl).toBeGreaterThan(9_000);
    expect(pttl).toBeLessThanOrEqual(10_000);
  });

  it('releases only with the holder’s token; then another replica can acquire', async () => {
    const key = 'it:lock:warmup:token';
    const a = new RedisLease(await connect(), key);
    const b = new RedisLease(await connect(), key);
    const held = await a.acquire(10_000);
    expect(held.state).toBe('acquired');
    expect(await b.release('not-the-token')).toBe(false);
    expect(await b.acquire(10_000)).toEqual({ state: 'busy' });
    expect(await a.release(held.state === 'acquired' ? held.token : '')).toBe(true);
    expect((await b.acquire(10_000)).state).toBe('acquired');
  });

  it('expires a crashed holder’s lease; the late holder can neither renew nor release the new one', async () => {
    const key = 'it:lock:warmup:expiry';
    const a = new RedisLease(await connect(), key);
    const b = new RedisLease(await connect(), key);
    const first = await a.acquire(100);
    if (first.state !== 'acquired') throw new Error('expected the lease');
    expect(await a.renew(first.token, 150)).toBe(true);
    await new Promise((r) => setTimeout(r, 250));
    const second = await b.acquire(10_000);
    expect(second.state).toBe('acquired');
    expect(await a.renew(first.token, 10_000)).toBe(false);
    expect(await a.release(first.token)).toBe(false);
    expect(await clients[1].get(key)).toBe(second.state === 'acquired' ? second.token : '');
  });

  it('reports unavailable without Redis, and when Redis is frozen within its deadline', async () => {
    expect(await new RedisLease(undefined, 'k').acquire(1000)).toEqual({ state: 'unavailable', reason: 'Redis is disabled' });

    const frozen = await RedisServer.start();
    try {
      const client = newClient(frozen.url);
      client.on('error', () => undefined);
      await client.connect();
      clients.push(client);
      frozen.freeze();
      const started = Date.now();
      const result = await new RedisLease(client, 'k', 200).acquire(1000);
      expect(result.state).toBe('unavailable');
      expect(Date.now() - started).toBeLessThan(1500);
      expect(await new RedisLease(client, 'k', 200).release('t')).toBe(false);
      frozen.resume();
    } finally {
      await frozen.stop();
    }
  });
});
