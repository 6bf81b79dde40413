import { ConfigInvalidError } from '../common/errors';
import { buildCacheConfig } from './cache.config';
import { validateEnv, type EnvSource } from './load-env';
import { parseHostPort } from './redis-env.decorators';

const redisOf = (env: EnvSource) => buildCacheConfig(validateEnv(env)).redis;

function problemsOf(env: EnvSource): string[] {
  try {
    validateEnv(env);
  } catch (error) {
    if (error instanceof ConfigInvalidError) return error.problems;
    throw error;
  }
  throw new Error('expected the environment to be rejected');
}

describe('Redis topology config', () => {
  it('is standalone by default, with no cluster or sentinel settings', () => {
    const sut = redisOf({});

    expect(sut.topology).toBe('standalone');
    expect(sut.clusterNodes).toBeUndefined();
    expect(sut.sentinel).toBeUndefined();
  });

  it('is cluster when REDIS_CLUSTER_NODES is set, with every seed node parsed', () => {
    const sut = redisOf({ REDIS_CLUSTER_NODES: 'redis-0.redis:6379, 10.0.0.5:7001,[::1]:7002', REDIS_PASSWORD: 'pw', REDIS_TLS: 'true' });

    expect(sut).toMatchObject({ topology: 'cluster', password: 'pw', tls: true });
    expect(sut.clusterNodes).toEqual([
      { host: 'redis-0.redis', port: 6379 },
      { host: '10.0.0.5', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
  });

  it('is sentinel when REDIS_SENTINELS is set: master name mymaster by default, REDIS_DB and the Sentinels\' own password', () => {
    const sut = redisOf({ REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_PASSWORD: 'spw', REDIS_DB: '3', REDIS_PASSWORD: 'data-pw' });

    expect(sut).toMatchObject({ topology: 'sentinel', password: 'data-pw' });
    expect(sut.sentinel).toEqual({
      nodes: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }],
      masterName: 'mymaster',
      password: 'spw',
      database: 3,
    });
    expect(redisOf({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_MASTER: 'cache-master' }).sentinel?.masterName).toBe('cache-master');
  });

  it('rejects both topologies at once, and malformed nodes', () => {
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'a:1', REDIS_SENTINELS: 'b:2' }).join('\n')).toMatch(/REDIS_CLUSTER_NODES and REDIS_SENTINELS are exclusive/);
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'a:1,b' }).join('\n')).toMatch(/REDIS_CLUSTER_NODES has invalid item\(s\) b/);
    expect(problemsOf({ REDIS_SENTINELS: 'a:70000' }).join('\n')).toMatch(/REDIS_SENTINELS/);
    expect(problemsOf({ REDIS_SENTINEL_MASTER: 'two words' }).join('\n')).toMatch(/REDIS_SENTINEL_MASTER/);
  });
});

describe(parseHostPort.name, () => {
  it.each([
    ['127.0.0.1:6379', { host: '127.0.0.1', port: 6379 }],
    ['redis.internal:26379', { host: 'redis.internal', port: 26379 }],
    ['[2001:db8::1]:6380', { host: '2001:db8::1', port: 6380 }],
  ])('parses %s', (input, expected) => {
    expect(parseHostPort(input)).toEqual(expected);
  });

  it.each(['host', ':6379', 'host:0', 'host:65536', '::1:6379', 'a b:1', 'host:12x'])('rejects %s', (input) => {
    expect(parseHostPort(input)).toBeUndefined();
  });
});
