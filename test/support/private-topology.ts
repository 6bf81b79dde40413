import { createRedisTopology, type RedisTopology } from '../../src/cache';
import { buildCacheConfig } from '../../src/config/cache.config';
import { validateEnv } from '../../src/config/load-env';
import { waitUntil } from './cache.builder';
import { RedisServer } from './redis-server';

/** A private `redis-server` and a connected topology client on it, for tests of stores that talk to Redis directly. */
export async function startPrivateTopology(): Promise<{ redis: RedisServer; client: RedisTopology }> {
  const redis = await RedisServer.start();
  const client = createRedisTopology(buildCacheConfig(validateEnv({ REDIS_URL: redis.url })).redis);
  void client.connect();
  await waitUntil(() => client.isReady, 5000);
  return { redis, client };
}

export async function stopPrivateTopology(started: { redis?: RedisServer; client?: RedisTopology }): Promise<void> {
  await started.client?.close();
  await started.redis?.stop();
}
