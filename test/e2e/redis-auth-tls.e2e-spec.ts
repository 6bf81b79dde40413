import { Logger } from '@nestjs/common';
import { createApp } from '../../src/bootstrap';
import { freePort } from '../support/free-port';
import { cacheHealth, listenApp, QUIET_APP_ENV, type ListeningApp } from '../support/listening-app';
import { pollUntil, redisCli } from '../support/redis-cli';
import { RedisServer } from '../support/redis-server';
import { makeTestCertificates, redisSupportsTls, type TestCertificates } from '../support/tls-certs';

/**
 * Redis that requires credentials or TLS, through the real app: the right ones serve from Redis;
 * wrong ones leave a clear warning at boot (never the secret), the app on memory, and /health
 * saying so. Every request is answered either way.
 */
const PASSWORD = 'pw-3c9e1a-very-secret';
const ACL_PASSWORD = 'acl-77d0b4-very-secret';
const PREFIX = 'acl:';

// The warnings are what these tests read (captured, not printed); test/support/quiet-logger.ts keeps only errors.
beforeAll(() => Logger.overrideLogger(['error', 'warn', 'log']));
afterAll(() => Logger.overrideLogger(['error']));

const apps: ListeningApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function start(env: Record<string, string>): Promise<ListeningApp> {
  const app = await listenApp({ REDIS_PREFIX: PREFIX, ...env });
  apps.push(app);
  return app;
}

async function expectOnRedis(app: ListeningApp): Promise<void> {
  await pollUntil('app on Redis', async () => (await cacheHealth(app)).backend === 'redis', 10_000, 25);
  const price = await fetch(`${app.baseUrl}/api/v1/market/prices/AAPL`);
  expect(price.status).toBe(200);
  expect(await cacheHealth(app)).toMatchObject({ backend: 'redis', breaker: 'closed', degraded: false });
}

/** Waits for the outage warning, then checks the app serves from memory and says so. */
async function expectRejectedOnMemory(app: ListeningApp, reason: RegExp, secrets: string[]): Promise<string> {
  // Requests meanwhile: a server that accepts the connection but refuses commands (NOAUTH) is
  // found out by the first calls, and the breaker opens after a few of them.
  let n = 0;
  await pollUntil(
    'outage logged, memory serving',
    async () => {
      const price = await fetch(`${app.baseUrl}/api/v1/market/prices/${['AAPL', 'MSFT', 'IBM', 'KO'][n++ % 4]}`);
      expect(price.status).toBe(200);
      return app.logs.some((line) => reason.test(line)) && (await cacheHealth(app)).backend === 'memory';
    },
    10_000,
    25,
  );
  const health = await cacheHealth(app);
  expect(health).toMatchObject({ backend: 'memory', degraded: true, redis: { enabled: true, roundTripMs: null } });
  const ready = await fetch(`${app.baseUrl}/health/ready`);
  expect(ready.status).toBe(200);
  expect(((await ready.json()) as { degraded: boolean }).degraded).toBe(true);

  const warning = app.logs.find((line) => reason.test(line))!;
  const exposed = [app.logs.join('\n'), JSON.stringify(health), await (await fetch(`${app.baseUrl}/health`)).text(), await (await fetch(`${app.baseUrl}/metrics`)).text()];
  for (const secret of secrets) for (const text of exposed) expect(text).not.toContain(secret);
  return JSON.parse(warning).msg as string;
}

const figures: Record<string, string> = {};
afterAll(() => console.log(`redis auth/TLS: ${JSON.stringify(figures)}`));

describe('Redis requiring a password (requirepass)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start(['--requirepass', PASSWORD]);
  });
  afterAll(() => redis.stop());

  it('the right password: served from Redis', async () => {
    const app = await start({ REDIS_URL: redis.url, REDIS_PASSWORD: PASSWORD });
    await expectOnRedis(app);
    expect(Number(await redisCli(redis.port, ['--no-auth-warning', '-a', PASSWORD, 'dbsize']))).toBeGreaterThan(0);
  });

  it('a wrong password: a clear warning without the secret, memory fallback, /health says so', async () => {
    const wrong = 'wrong-5e1f-very-secret';
    const app = await start({ REDIS_URL: redis.url, REDIS_PASSWORD: wrong });
    figures.wrongPassword = await expectRejectedOnMemory(app, /WRONGPASS|invalid username-password/i, [wrong, PASSWORD]);
  });

  it('no password at all: the first calls log NOAUTH, the breaker opens, memory serves', async () => {
    const app = await start({ REDIS_URL: redis.url });
    figures.noPassword = await expectRejectedOnMemory(app, /NOAUTH|Authentication required/i, [PASSWORD]);
  });
});

describe('Redis with an ACL user limited to our prefix', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    // Keys and pub/sub channels under the prefix only: proves the service touches nothing else.
    redis = await RedisServer.start(['--user', 'default', 'off', '--user', 'cache', 'on', `>${ACL_PASSWORD}`, `~${PREFIX}*`, `&${PREFIX}*`, '+@all']);
  });
  afterAll(() => redis.stop());

  it('the right user and password: served from Redis, with no ACL denial', async () => {
    const app = await start({ REDIS_URL: redis.url, REDIS_USERNAME: 'cache', REDIS_PASSWORD: ACL_PASSWORD });
    await expectOnRedis(app);
    // The bus, the lease and admin reads too: they must stay inside what the user may touch.
    await fetch(`${app.baseUrl}/api/v1/market/history/MSFT`);
    const auth = ['--no-auth-warning', '--user', 'cache', '--pass', ACL_PASSWORD];
    expect(Number(await redisCli(redis.port, [...auth, 'dbsize']))).toBeGreaterThan(0);
    const denials = await redisCli(redis.port, [...auth, 'acl', 'log']);
    expect(denials.trim()).toBe('');
  });

  it('a wrong ACL password: clear warning, memory fallback, no secret', async () => {
    const wrong = 'wrong-acl-91ab-very-secret';
    const app = await start({ REDIS_URL: redis.url, REDIS_USERNAME: 'cache', REDIS_PASSWORD: wrong });
    figures.wrongAclPassword = await expectRejectedOnMemory(app, /WRONGPASS|invalid username-password/i, [wrong, ACL_PASSWORD]);
  });
});

const tlsIt = redisSupportsTls() ? describe : describe.skip;

tlsIt('TLS to Redis (rediss://) with a certificate made by the test', () => {
  let certs: TestCertificates;
  let redis: RedisServer;
  let tlsPort: number;

  beforeAll(async () => {
    certs = makeTestCertificates();
    tlsPort = await freePort();
    redis = await RedisServer.start([
      '--tls-port', String(tlsPort),
      '--tls-cert-file', certs.serverCert,
      '--tls-key-file', certs.serverKey,
      '--tls-ca-cert-file', certs.caCert,
      '--tls-auth-clients', 'no',
    ]);
  });
  afterAll(async () => {
    await redis.stop();
    certs.remove();
  });

  it('trusting the private CA (REDIS_TLS_CA_FILE): served from Redis over TLS', async () => {
    const app = await start({ REDIS_URL: `rediss://127.0.0.1:${tlsPort}`, REDIS_TLS_CA_FILE: certs.caCert });
    await expectOnRedis(app);
    const clients = await redisCli(redis.port, ['client', 'list']);
    // Connections to the TLS port are ours; the plain port serves only this redis-cli.
    expect(clients.split('\n').filter((line) => line.includes('laddr=127.0.0.1:' + tlsPort)).length).toBeGreaterThan(0);
  });

  it('without the CA: certificate rejected, a clear warning, memory fallback', async () => {
    const app = await start({ REDIS_URL: `rediss://127.0.0.1:${tlsPort}` });
    figures.untrustedCertificate = await expectRejectedOnMemory(app, /certificate/i, []);
  });

  it('an unreadable REDIS_TLS_CA_FILE stops the boot, naming the variable', async () => {
    const boot = createApp({ ...QUIET_APP_ENV, REDIS_URL: `rediss://127.0.0.1:${tlsPort}`, REDIS_TLS_CA_FILE: `${certs.dir}/missing.pem` });
    await expect(boot).rejects.toThrow(/REDIS_TLS_CA_FILE: cannot read .*missing\.pem \(ENOENT\)/);
  });
});
