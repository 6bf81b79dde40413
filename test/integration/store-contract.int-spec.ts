import { CacheBuilder } from '../support/cache.builder';
import { RedisServer } from '../support/redis-server';
import { describeStoreContract } from '../support/store-contract';

let redis: RedisServer;

beforeAll(async () => {
  redis = await RedisServer.start();
});

afterAll(async () => {
  await redis.stop();
});

describeStoreContract('L1 memory', () => new CacheBuilder().withL1Only().build(), 'l1');
describeStoreContract('L2 redis', () => new CacheBuilder().withRedis(redis.url).build(), 'l2');
