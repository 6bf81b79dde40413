import { inspect } from 'node:util';
import { ConfigInvalidError } from '../common/errors';
import { buildAllConfig, type AllConfig } from './configuration';
import { validateEnv, type EnvSource } from './load-env';

const SECRET = 's3cr3t-Pa55word-do-not-log';

function configOf(env: EnvSource): AllConfig {
  return buildAllConfig(validateEnv(env));
}

function invalidOf(env: EnvSource): ConfigInvalidError {
  let caught: unknown;
  try {
    validateEnv(env);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigInvalidError);
  return caught as ConfigInvalidError;
}

describe(validateEnv.name, () => {
  it('accepts an empty environment', () => {
    expect(() => validateEnv({})).not.toThrow();
  });

  it('converts numeric and boolean strings to typed values', () => {
    const sut = validateEnv({ PORT: '8080', REDIS_ENABLED: 'false', REDIS_TLS: 'YES', CACHE_PRICE_TTL: '60' });

    expect(sut.PORT).toBe(8080);
    expect(sut.REDIS_ENABLED).toBe(false);
    expect(sut.REDIS_TLS).toBe(true);
    expect(sut.CACHE_PRICE_TTL).toBe(60);
  });

  it.each(['true', 'TRUE', '1', 'yes', 'on', ' True '])('reads %j as true', (raw) => {
    expect(validateEnv({ REDIS_ENABLED: raw }).REDIS_ENABLED).toBe(true);
  });

  it.each(['false', 'False', '0', 'no', 'off'])('reads %j as false', (raw) => {
    expect(validateEnv({ REDIS_ENABLED: raw }).REDIS_ENABLED).toBe(false);
  });

  it('ignores variables it does not know (the real process env has many)', () => {
    expect(() => validateEnv({ PATH: '/usr/bin', HOME: '/root', npm_config_x: 'y' })).not.toThrow();
  });

  it('names every bad variable in one ConfigInvalidError', () => {
    const sut = invalidOf({
      PORT: 'abc',
      CACHE_L2_TIMEOUT_MS: '-1',
      REDIS_ENABLED: 'maybe',
      REDIS_PREFIX: 'bad prefix*',
      MARKET_DATA_PROVIDER: 'nope',
      CACHE_PRICE_TTL: '60',
    });

    expect(sut.code).toBe('CONFIG_INVALID');
    for (const name of ['PORT', 'CACHE_L2_TIMEOUT_MS', 'REDIS_ENABLED', 'REDIS_PREFIX', 'MARKET_DATA_PROVIDER']) {
      expect(sut.message).toContain(name);
      expect(sut.problems.some((p) => p.startsWith(`${name}:`))).toBe(true);
    }
    expect(sut.problems).toHaveLength(5);
    expect(sut.message).not.toContain('CACHE_PRICE_TTL');
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', '3.5'],
    ['REDIS_DB', '16'],
    ['CACHE_PRICE_TTL', '0'],
    ['CACHE_L1_MAX_BYTES', '10'],
    ['CACHE_BREAKER_ERROR_PERCENT', '101'],
    // Without the trailing colon, admin patterns under `mc` would also reach another app's `mcx:` keys.
    ['REDIS_PREFIX', 'mc'],
    ['REDIS_PREFIX', ':'.repeat(33)],
    ['NODE_ENV', 'prod'],
    ['LOG_LEVEL', 'verbose'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['REDIS_PREFIX', 'x'.repeat(33)],
    ['ADMIN_API_KEY', 'short'],
  ])('rejects %s=%j', (name, value) => {
    const sut = invalidOf({ [name]: value });

    expect(sut.problems).toHaveLength(1);
    expect(sut.problems[0].startsWith(`${name}:`)).toBe(true);
  });

  it('never shows the REDIS_PASSWORD value, even when other variables are bad', () => {
    const sut = invalidOf({ REDIS_PASSWORD: SECRET, PORT: 'abc', REDIS_ENABLED: 'maybe', REDIS_PREFIX: 'bad prefix*' });

    expect(sut.message).not.toContain(SECRET);
    expect(sut.problems.join('\n')).not.toContain(SECRET);
    expect(inspect(sut, { depth: 10 })).not.toContain(SECRET);
    expect(JSON.stringify(sut)).not.toContain(SECRET);
  });

  it('never echoes the value of a bad secret-bearing variable (a short ADMIN_API_KEY, a REDIS_URL with a password)', () => {
    const sut = invalidOf({ ADMIN_API_KEY: 'tooShortKey1', REDIS_URL: `http://user:${SECRET}@redis:6379` });

    expect(sut.problems).toHaveLength(2);
    expect(sut.message).not.toContain('tooShortKey1');
    expect(sut.message).not.toContain(SECRET);
    expect(inspect(sut, { depth: 10 })).not.toContain(SECRET);
  });

  it('counts empty-string variables as unset', () => {
    const sut = validateEnv({ PORT: '', REDIS_ENABLED: '', REDIS_PREFIX: '', CACHE_PRICE_TTL: '', MARKET_DATA_PROVIDER: '', REDIS_PASSWORD: '' });

    expect(sut.PORT).toBeUndefined();
    expect(sut.REDIS_ENABLED).toBeUndefined();
    expect(sut.REDIS_PREFIX).toBeUndefined();
    expect(sut.REDIS_PASSWORD).toBeUndefined();
  });
});

describe(buildAllConfig.name, () => {
  it('gives the documented defaults for an empty environment', () => {
    const sut = configOf({});

    expect(sut.app.port).toBe(3000);
    expect(sut.app.host).toBe('0.0.0.0');
    expect(sut.app.nodeEnv).toBe('development');
    expect(sut.app.logLevel).toBe('info');
    expect(sut.app.shutdownGraceMs).toBe(10_000);
    expect(sut.app.adminApiKey).toBeUndefined();
    expect(sut.cache.prefix).toBe('mc:');
    expect(sut.cache.redisEnabled).toBe(true);
    expect(sut.cache.redis).toEqual({
      topology: 'standalone',
      url: 'redis://127.0.0.1:6379/0',
      username: undefined,
      password: undefined,
      tls: false,
      tlsInsecure: false,
      connectTimeoutMs: 2000,
    });
    expect(sut.cache.l1).toEqual({ maxEntries: 10_000, maxBytes: 64 * 1024 * 1024, maxEntryBytes: 1024 * 1024 });
    expect(sut.cache.l2.timeoutMs).toBe(100);
    expect(sut.cache.breaker).toEqual({ errorPercent: 50, minRequests: 5, windowMs: 10_000, openMs: 5_000 });
    expect(sut.cache.policies.price).toEqual({ ttlMs: 300_000, graceMs: 150_000, tags: [], rule: 'quote' });
    expect(sut.cache.policies.history.ttlMs).toBe(24 * 3_600_000);
    expect(sut.cache.policies.historyIntraday.ttlMs).toBe(3_600_000);
    expect(sut.cache.policies.http.ttlMs).toBe(60_000);
    expect(sut.cache.policies.default.ttlMs).toBe(3_600_000);
    expect(sut.marketData).toEqual({
      provider: 'synthetic',
      synthetic: { seed: 42, universeSize: 5000 },
      csv: { path: undefined },
      polygon: { apiKey: undefined, baseUrl: 'https://api.polygon.io' },
      upstream: { timeoutMs: 5000, maxConcurrency: 8, maxRetries: 3 },
    });
  });

  it('uses the warn log level by default under NODE_ENV=test', () => {
    expect(configOf({ NODE_ENV: 'test' }).app.logLevel).toBe('warn');
  });

  it('lets CACHE_PRICE_TTL override the price TTL (seconds) and scales its grace', () => {
    const sut = configOf({ CACHE_PRICE_TTL: '60' });

    expect(sut.cache.policies.price.ttlMs).toBe(60_000);
    expect(sut.cache.policies.price.graceMs).toBe(30_000);
    expect(sut.cache.policies.info.ttlMs).toBe(4 * 3_600_000);
  });

  it('applies CACHE_GRACE_PERCENT to every policy, 0 turning grace off', () => {
    const sut = configOf({ CACHE_GRACE_PERCENT: '0' });

    for (const policy of Object.values(sut.cache.policies)) expect(policy.graceMs).toBe(0);
  });

  it('treats an empty CACHE_PRICE_TTL as unset (default 300 s)', () => {
    expect(configOf({ CACHE_PRICE_TTL: '' }).cache.policies.price.ttlMs).toBe(300_000);
  });

  it('passes overrides through to the typed slices', () => {
    const sut = configOf({
      PORT: '8080',
      REDIS_ENABLED: 'no',
      REDIS_PREFIX: 'mcs-test:',
      CACHE_L2_TIMEOUT_MS: '250',
      MARKET_DATA_PROVIDER: 'csv',
      REDIS_PASSWORD: SECRET,
    });

    expect(sut.app.port).toBe(8080);
    expect(sut.cache.redisEnabled).toBe(false);
    expect(sut.cache.prefix).toBe('mcs-test:');
    expect(sut.cache.l2.timeoutMs).toBe(250);
    expect(sut.marketData.provider).toBe('csv');
    expect(sut.cache.redis.password).toBe(SECRET);
  });

  it('builds the Redis URL from REDIS_HOST, REDIS_PORT and REDIS_DB', () => {
    const sut = configOf({ REDIS_HOST: 'redis.internal', REDIS_PORT: '6380', REDIS_DB: '2' });

    expect(sut.cache.redis.url).toBe('redis://redis.internal:6380/2');
    expect(sut.cache.redis.tls).toBe(false);
  });

  it('uses rediss:// and tls when REDIS_TLS is set', () => {
    const sut = configOf({ REDIS_HOST: 'redis.internal', REDIS_PORT: '6380', REDIS_DB: '3', REDIS_TLS: 'true' });

    expect(sut.cache.redis.url).toBe('rediss://redis.internal:6380/3');
    expect(sut.cache.redis.tls).toBe(true);
  });

  it('keeps redis:// when REDIS_TLS is false', () => {
    expect(configOf({ REDIS_HOST: 'h', REDIS_TLS: 'false' }).cache.redis.url).toBe('redis://h:6379/0');
  });

  it('prefers REDIS_URL over host/port/db and derives tls from its scheme', () => {
    const sut = configOf({ REDIS_URL: 'rediss://cache.example:6390/1', REDIS_HOST: 'ignored', REDIS_PORT: '1', REDIS_TLS: 'false' });

    expect(sut.cache.redis.url).toBe('rediss://cache.example:6390/1');
    expect(sut.cache.redis.tls).toBe(true);
  });

  it('treats empty REDIS_HOST, REDIS_PORT and REDIS_DB as unset', () => {
    expect(configOf({ REDIS_HOST: '', REDIS_PORT: '', REDIS_DB: '', REDIS_URL: '' }).cache.redis.url).toBe('redis://127.0.0.1:6379/0');
  });
});
