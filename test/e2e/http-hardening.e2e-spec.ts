import { connect, type Socket } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApp } from '../support/app.builder';
import { listenApp, type ListeningApp } from '../support/listening-app';
import { redisCli } from '../support/redis-cli';
import { RedisServer } from '../support/redis-server';
import { SseClient } from '../support/sse-client';

/**
 * HTTP hardening through the real app (docs/SECURITY.md, "HTTP hardening"): request and header
 * timeouts on a listening server (a body at 1 byte/s used to be held 100 s and more), SSE streams
 * left alone by them, JSON-only bodies (415), TRUST_PROXY, secrets in query strings kept out of
 * the logs, and a dashboard logout that revokes the session (on every replica through Redis).
 * Traffic to loopback only; every loop is bounded.
 */

const ADMIN_KEY = 'hardening-e2e-admin-key-0123456789';
const CLIENT_SECRET = 'hardening-e2e-client-secret-abcdef';
const figures: Record<string, unknown> = {};

afterAll(() => {
  console.log(`http hardening figures: ${JSON.stringify(figures)}`);
});

interface Trickle {
  /** Milliseconds from the first byte until the server closed the socket (undefined: still open at `giveUpMs`). */
  closedAfterMs?: number;
  /** What the server wrote before closing. */
  answer: string;
}

/**
 * Opens a socket, sends `head` at once, then `trickle` one byte per `intervalMs`, and reports when
 * the server closed it; gives up (and closes it itself) after `giveUpMs`.
 */
function trickle(port: number, head: string, trickleText: string, intervalMs: number, giveUpMs: number): Promise<Trickle> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const started = Date.now();
    let answer = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (closedAfterMs?: number) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ closedAfterMs, answer });
    };
    const giveUp = setTimeout(() => finish(undefined), giveUpMs);
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => finish(Date.now() - started));
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      if (head) socket.write(head);
      timer = setInterval(() => {
        if (sent < trickleText.length && !socket.destroyed) socket.write(trickleText[sent++]);
      }, intervalMs);
    });
  });
}

const SLOW_BODY = JSON.stringify({ universe: 'sp500', limit: 5, padding: 'x'.repeat(60) });
const slowBodyHead = (port: number) =>
  `POST /api/v1/scans HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${SLOW_BODY.length}\r\n\r\n`;

describe('HTTP timeouts (a real listening server)', () => {
  let app: ListeningApp | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('a request body sent at 1 byte/s is cut within HTTP_REQUEST_TIMEOUT_MS (408), not held', async () => {
    app = await listenApp({ HTTP_REQUEST_TIMEOUT_MS: '3000', HTTP_HEADERS_TIMEOUT_MS: '2000' });
    const port = Number(new URL(app.baseUrl).port);
    const result = await trickle(port, slowBodyHead(port), SLOW_BODY, 1000, 20_000);
    figures.slowBodyClosedAfterMs = result.closedAfterMs;
    expect(result.closedAfterMs).toBeDefined();
    // The deadline, plus Node's check interval (1 s, set by the app), plus scheduling slack.
    expect(result.closedAfterMs!).toBeGreaterThanOrEqual(2900);
    expect(result.closedAfterMs!).toBeLessThan(3000 + 1000 + 1500);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408/);
  }, 30_000);

  it('with HTTP_REQUEST_TIMEOUT_MS=0 (the old behaviour) the same body is still held after 6 s', async () => {
    app = await listenApp({ HTTP_REQUEST_TIMEOUT_MS: '0' });
    const port = Number(new URL(app.baseUrl).port);
    const result = await trickle(port, slowBodyHead(port), SLOW_BODY, 1000, 6000);
    expect(result.closedAfterMs).toBeUndefined();
  }, 20_000);

  it('request headers sent at 1 byte/s are cut within HTTP_HEADERS_TIMEOUT_MS', async () => {
    app = await listenApp({ HTTP_REQUEST_TIMEOUT_MS: '10000', HTTP_HEADERS_TIMEOUT_MS: '2000' });
    const port = Number(new URL(app.baseUrl).port);
    const result = await trickle(port, '', `GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'y'.repeat(100)}\r\n\r\n`, 1000, 20_000);
    figures.slowHeadersClosedAfterMs = result.closedAfterMs;
    expect(result.closedAfterMs).toBeDefined();
    // The first byte goes 1 s after connecting; then the deadline, Node's 1 s check interval, slack.
    expect(result.closedAfterMs!).toBeLessThan(1000 + 2000 + 1000 + 1500);
  }, 30_000);

  it('an SSE stream outlives the request timeout several times over (heartbeats keep coming), then ends when asked', async () => {
    app = await listenApp({ HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_HEADERS_TIMEOUT_MS: '1000', ALERTS_SSE_HEARTBEAT_MS: '300' });
    const stream = await SseClient.connect(`${app.baseUrl}/api/v1/alerts/stream`);
    try {
      expect(stream.status).toBe(200);
      const started = Date.now();
      // Bounded: 5 request timeouts.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      let ended = false;
      void stream.ended.then(() => (ended = true));
      await new Promise((resolve) => setImmediate(resolve));
      expect(ended).toBe(false);
      const heartbeats = stream.comments.length;
      figures.sseHeartbeatsIn5s = heartbeats;
      expect(heartbeats).toBeGreaterThanOrEqual(10);
      expect(Date.now() - started).toBeGreaterThanOrEqual(5000);
    } finally {
      stream.close();
    }
  }, 20_000);

  it('an idle keep-alive connection is closed after HTTP_KEEP_ALIVE_TIMEOUT_MS', async () => {
    app = await listenApp({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000' });
    const port = Number(new URL(app.baseUrl).port);
    const result = await trickle(port, `GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, '', 1000, 10_000);
    expect(result.answer).toMatch(/^HTTP\/1\.1 200/);
    expect(result.answer).toMatch(/keep-alive: timeout=1/i);
    expect(result.closedAfterMs).toBeDefined();
    expect(result.closedAfterMs!).toBeLessThan(1000 + 2000);
  }, 20_000);
});

describe('JSON-only request bodies', () => {
  let app: NestFastifyApplication;

  beforeEach(async () => {
    app = await startApp({ SYNTHETIC_UNIVERSE_SIZE: '60' });
  });

  it('a form-encoded scan (what any web page can post cross-site) is a 415 naming application/json; nothing runs', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/scans', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'universe=sp500&horizon=long' });
    expect(res.statusCode).toBe(415);
    const body = res.json<{ statusCode: number; error: string; message: string; requestId: string }>();
    expect(body.statusCode).toBe(415);
    expect(body.error).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(body.message).toContain('Content-Type: application/json');
    expect(body.message).toContain('application/x-www-form-urlencoded');
    expect(body.requestId).toBe(res.headers['x-request-id']);
  });

  it('text/plain, multipart and a body without a Content-Type are 415 too; JSON (any case, with a charset) is served', async () => {
    for (const type of ['text/plain', 'multipart/form-data; boundary=xyz', 'application/xml']) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/scans', headers: { 'content-type': type }, payload: '{"universe":"sp500"}' });
      expect([type, res.statusCode]).toEqual([type, 415]);
    }
    const untyped = await app.inject({ method: 'POST', url: '/api/v1/scans', payload: Buffer.from('{"universe":"sp500"}') });
    expect(untyped.statusCode).toBe(415);
    expect(untyped.json<{ message: string }>().message).toContain('no Content-Type');
    for (const type of ['application/json', 'Application/JSON; charset=utf-8']) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/scans', headers: { 'content-type': type }, payload: JSON.stringify({ universe: 'all', limit: 3 }) });
      expect([type, res.statusCode]).toEqual([type, 200]);
    }
    // No body: nothing to judge (DELETE, a POST without a payload).
    const empty = await app.inject({ method: 'POST', url: '/api/v1/admin/dashboard/logout' });
    expect(empty.statusCode).toBe(204);
  });
});

describe('TRUST_PROXY', () => {
  const failedAdmin = (app: NestFastifyApplication, remoteAddress: string, forwardedFor: string) =>
    app.inject({ method: 'GET', url: '/api/v1/admin/cache/info', remoteAddress, headers: { 'x-api-key': 'wrong-key-wrong-key-wrong', 'x-forwarded-for': forwardedFor } });

  it('from a trusted proxy, X-Forwarded-For is the client: failed admin attempts are budgeted per client behind it', async () => {
    const app = await startApp({ ADMIN_API_KEY: ADMIN_KEY, ADMIN_FAILED_AUTH_PER_MINUTE: '2', TRUST_PROXY: '10.1.0.0/16' });
    for (const client of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      expect((await failedAdmin(app, '10.1.2.3', client)).statusCode).toBe(401);
      expect((await failedAdmin(app, '10.1.2.3', client)).statusCode).toBe(401);
    }
    // The third failure of one client behind the proxy is over its budget.
    expect((await failedAdmin(app, '10.1.2.3', '203.0.113.1')).statusCode).toBe(429);
  });

  it('from any other peer, X-Forwarded-For is ignored (a client cannot pick its own address)', async () => {
    const app = await startApp({ ADMIN_API_KEY: ADMIN_KEY, ADMIN_FAILED_AUTH_PER_MINUTE: '2', TRUST_PROXY: '10.1.0.0/16' });
    const answers = [];
    for (const client of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) answers.push((await failedAdmin(app, '192.0.2.50', client)).statusCode);
    expect(answers).toEqual([401, 401, 429]);
  });

  it('without TRUST_PROXY (the default) every request is its TCP peer', async () => {
    const app = await startApp({ ADMIN_API_KEY: ADMIN_KEY, ADMIN_FAILED_AUTH_PER_MINUTE: '2' });
    const answers = [];
    for (const client of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) answers.push((await failedAdmin(app, '127.0.0.1', client)).statusCode);
    expect(answers).toEqual([401, 401, 429]);
  });

  it('the dashboard cookie is Secure behind a trusted TLS proxy (X-Forwarded-Proto: https), and only then', async () => {
    const session = (app: NestFastifyApplication, remoteAddress: string) =>
      app.inject({ method: 'POST', url: '/api/v1/admin/dashboard/session', remoteAddress, headers: { 'x-api-key': ADMIN_KEY, 'x-forwarded-proto': 'https' } });
    const trusting = await startApp({ ADMIN_API_KEY: ADMIN_KEY, TRUST_PROXY: '127.0.0.1' });
    expect(String((await session(trusting, '127.0.0.1')).headers['set-cookie'])).toMatch(/; Secure$/);
    expect(String((await session(trusting, '192.0.2.9')).headers['set-cookie'])).not.toContain('Secure');
    const plain = await startApp({ ADMIN_API_KEY: ADMIN_KEY });
    expect(String((await session(plain, '127.0.0.1')).headers['set-cookie'])).not.toContain('Secure');
  });

  it('TRUST_PROXY=true (anyone may claim any address) stops the boot, naming the variable', async () => {
    await expect(startApp({ TRUST_PROXY: 'true' })).rejects.toThrow(/TRUST_PROXY/);
    await expect(startApp({ TRUST_PROXY: '10.0.0.0/33' })).rejects.toThrow(/TRUST_PROXY/);
  });
});

describe('secrets in query strings', () => {
  let app: ListeningApp | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('an admin key or client secret sent in the query string never reaches the access log', async () => {
    app = await listenApp({ LOG_LEVEL: 'info', ADMIN_API_KEY: ADMIN_KEY, CLIENT_CREDENTIALS: `pricing:read:${CLIENT_SECRET}` });
    const urls = [
      `/api/v1/admin/cache/info?api_key=${ADMIN_KEY}`,
      `/api/v1/admin/cache/info?key=${ADMIN_KEY}`,
      `/api/v1/market/prices/AAPL?token=${CLIENT_SECRET}`,
      `/api/v1/market/prices/AAPL?x-api-key=${encodeURIComponent(CLIENT_SECRET)}`,
      // Any parameter whose value is a configured secret.
      `/api/v1/market/prices/MSFT?whatever=${CLIENT_SECRET}&other=1`,
      `/api/v1/market/history/AAPL?interval=1d&q=${ADMIN_KEY}`,
    ];
    for (const url of urls) await fetch(app.baseUrl + url);
    // A fast-path hit logs its own access line: warm the route, then hit it.
    await fetch(`${app.baseUrl}/api/v1/market/prices/AAPL`);
    await fetch(`${app.baseUrl}/api/v1/market/prices/AAPL`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const completed = app.logs.filter((line) => line.includes('request completed'));
    expect(completed.length).toBeGreaterThanOrEqual(urls.length);
    const all = app.logs.join('\n');
    expect(all).not.toContain(ADMIN_KEY);
    expect(all).not.toContain(CLIENT_SECRET);
    const logged = completed.map((line) => (JSON.parse(line) as { req?: { url?: string } }).req?.url);
    expect(logged).toEqual(expect.arrayContaining([
      '/api/v1/admin/cache/info?api_key=[redacted]',
      '/api/v1/market/prices/MSFT?whatever=[redacted]&other=1',
      '/api/v1/market/history/AAPL?interval=1d&q=[redacted]',
    ]));
  });
});

describe('dashboard logout', () => {
  const DATA = '/api/v1/admin/dashboard/data';
  const cookieOf = async (app: NestFastifyApplication) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/admin/dashboard/session', headers: { 'x-api-key': ADMIN_KEY } });
    expect(res.statusCode).toBe(200);
    return String(res.headers['set-cookie']).split(';')[0];
  };

  it('revokes the session: the old cookie is refused afterwards (it used to work for 12 h); another session is untouched', async () => {
    const app = await startApp({ ADMIN_API_KEY: ADMIN_KEY, ADMIN_RATE_LIMIT_PER_MINUTE: '100000' });
    const cookie = await cookieOf(app);
    const other = await cookieOf(app);
    expect((await app.inject({ method: 'GET', url: DATA, headers: { cookie } })).statusCode).toBe(200);
    const logout = await app.inject({ method: 'POST', url: '/api/v1/admin/dashboard/logout', headers: { cookie } });
    expect(logout.statusCode).toBe(204);
    expect(String(logout.headers['set-cookie'])).toMatch(/^mc_dashboard=; Path=\/; Max-Age=0/);
    expect((await app.inject({ method: 'GET', url: DATA, headers: { cookie } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/admin/dashboard', headers: { cookie } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: DATA, headers: { cookie: other } })).statusCode).toBe(200);
    // DELETE /session (what older pages send) revokes too.
    await app.inject({ method: 'DELETE', url: '/api/v1/admin/dashboard/session', headers: { cookie: other } });
    expect((await app.inject({ method: 'GET', url: DATA, headers: { cookie: other } })).statusCode).toBe(401);
  });

  it('through Redis, a logout on one replica is refused by another', async () => {
    const redis = await RedisServer.start();
    try {
      const env = { ADMIN_API_KEY: ADMIN_KEY, ADMIN_RATE_LIMIT_PER_MINUTE: '100000', REDIS_ENABLED: 'true', REDIS_URL: redis.url, REDIS_PREFIX: 'logout:' };
      const a = await startApp(env);
      const b = await startApp(env);
      const ready = async (app: NestFastifyApplication) => {
        for (let i = 0; i < 100; i++) {
          const body = (await app.inject({ method: 'GET', url: '/health' })).json<{ details: { cache: { backend: string } } }>();
          if (body.details.cache.backend === 'redis') return;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        throw new Error('Redis never ready');
      };
      await ready(a);
      await ready(b);
      const cookie = await cookieOf(a);
      expect((await b.inject({ method: 'GET', url: DATA, headers: { cookie } })).statusCode).toBe(200);
      expect((await a.inject({ method: 'POST', url: '/api/v1/admin/dashboard/logout', headers: { cookie } })).statusCode).toBe(204);
      expect((await b.inject({ method: 'GET', url: DATA, headers: { cookie } })).statusCode).toBe(401);
      const keys = await redisCli(redis.port, ['--scan', '--pattern', 'logout:state:{dashboard}:revoked:*']);
      expect(keys.trim().split('\n')).toHaveLength(1);
      // Kept as long as the session would have lasted, no longer.
      const ttl = Number(await redisCli(redis.port, ['PTTL', keys.trim()]));
      expect(ttl).toBeGreaterThan(11 * 3600_000);
    } finally {
      await redis.stop();
    }
  }, 30_000);
});
