import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/bootstrap';
import { SyntheticMarketDataProvider } from '../../src/market-data/providers/synthetic.provider';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SECRETS = { authorization: 'Bearer tok-8f2d1c-very-secret', 'x-api-key': 'key-71b9e0-very-secret', cookie: 'session=cookie-5a4e-very-secret' };

const open: NestFastifyApplication[] = [];
afterEach(async () => {
  jest.restoreAllMocks();
  await Promise.all(open.splice(0).map((app) => app.close()));
});

/** The real app with its JSON log lines captured in memory instead of stdout. */
async function startLoggedApp(logLevel = 'info'): Promise<{ app: NestFastifyApplication; lines: string[] }> {
  const lines: string[] = [];
  const { app } = await createApp(
    // The x-api-key of SECRETS is a configured client credential: a valid secret must stay out of the logs too.
    { NODE_ENV: 'test', REDIS_ENABLED: 'false', REDIS_PREFIX: `log${Math.random().toString(36).slice(2, 8)}:`, LOG_LEVEL: logLevel, CLIENT_CREDENTIALS: `logtest:read:${SECRETS['x-api-key']}`, AUTH_ANONYMOUS_SCOPES: 'read' },
    { logDestination: { write: (line: string) => void lines.push(line) } },
  );
  open.push(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, lines };
}

describe('request ids and JSON logs', () => {
  it('echoes a sane x-request-id in the response header and the error body', async () => {
    const { app } = await startLoggedApp('silent');

    const notFound = await app.inject({ method: 'GET', url: '/no/such/route', headers: { 'x-request-id': 'abc-123' } });
    const invalid = await app.inject({ method: 'GET', url: '/api/v1/market/prices/not!valid', headers: { 'x-request-id': 'abc-123' } });
    const ok = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'abc-123' } });

    for (const response of [notFound, invalid]) {
      expect(response.headers['x-request-id']).toBe('abc-123');
      expect(response.json().requestId).toBe('abc-123');
    }
    expect(ok.headers['x-request-id']).toBe('abc-123');
  });

  it('generates a UUID when the header is missing or not a sane token', async () => {
    const { app } = await startLoggedApp('silent');

    const missing = await app.inject({ method: 'GET', url: '/no/such/route' });
    const unsafe = await app.inject({ method: 'GET', url: '/no/such/route', headers: { 'x-request-id': 'a b"}\n{"level":60' } });
    const tooLong = await app.inject({ method: 'GET', url: '/no/such/route', headers: { 'x-request-id': 'x'.repeat(129) } });

    for (const response of [missing, unsafe, tooLong]) {
      expect(response.headers['x-request-id']).toMatch(UUID);
      expect(response.json().requestId).toBe(response.headers['x-request-id']);
    }
    expect(missing.headers['x-request-id']).not.toBe(unsafe.headers['x-request-id']);
  });

  it('writes JSON lines carrying the request id, and never a secret header value', async () => {
    const { app, lines } = await startLoggedApp('info');

    await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL', headers: { ...SECRETS, 'x-request-id': 'req-log-1' } });
    await app.inject({ method: 'GET', url: '/no/such/route', headers: { ...SECRETS, 'x-request-id': 'req-log-2' } });

    const entries = lines.map((line) => JSON.parse(line) as { level: number; req?: { id?: string; headers?: Record<string, string> } });
    const requestLogs = entries.filter((e) => e.req?.id === 'req-log-1' || e.req?.id === 'req-log-2');
    expect(requestLogs).toHaveLength(2);
    expect(requestLogs[0].req?.headers?.authorization).toBe('[redacted]');
    const output = lines.join('');
    for (const secret of Object.values(SECRETS)) expect(output).not.toContain(secret.split(/[ =]/).pop());
    // Bodies and cached values stay out of the logs.
    expect(output).not.toMatch(/"previousClose"/);
  });

  it('logs an unexpected error once, at error level, with the request id and no secret', async () => {
    const { app, lines } = await startLoggedApp('error');
    jest.spyOn(SyntheticMarketDataProvider.prototype, 'getQuote').mockRejectedValueOnce(new TypeError('boom'));

    const response = await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL', headers: { ...SECRETS, 'x-request-id': 'req-500' } });

    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ error: 'INTERNAL', requestId: 'req-500' });
    const errors = lines.map((line) => JSON.parse(line) as { level: number; reqId?: string; msg?: string }).filter((e) => e.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ reqId: 'req-500', context: 'AllExceptionsFilter' });
    for (const secret of Object.values(SECRETS)) expect(lines.join('')).not.toContain(secret.split(/[ =]/).pop());
  });

  it('honours LOG_LEVEL: nothing below error at error level', async () => {
    const { app, lines } = await startLoggedApp('error');

    await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' });

    expect(lines.map((line) => (JSON.parse(line) as { level: number }).level).filter((level) => level < 50)).toEqual([]);
  });
});
