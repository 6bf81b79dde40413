import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApp } from '../support/app.builder';

/** The dashboard's routes through the real app: who gets the page, the session cookie, the data it polls. */

const KEY = 'dashboard-e2e-admin-key-0123456789';
const PAGE = '/admin/dashboard';
const DATA = '/api/v1/admin/dashboard/data';
const SESSION = '/api/v1/admin/dashboard/session';

async function sessionCookie(app: NestFastifyApplication, key = KEY): Promise<string> {
  const res = await app.inject({ method: 'POST', url: SESSION, headers: { 'x-api-key': key } });
  expect(res.statusCode).toBe(200);
  return String(res.headers['set-cookie']).split(';')[0];
}

describe('admin dashboard (routes)', () => {
  let app: NestFastifyApplication;

  beforeEach(async () => {
    app = await startApp({ ADMIN_API_KEY: KEY, ADMIN_RATE_LIMIT_PER_MINUTE: '100000', DASHBOARD_SAMPLE_INTERVAL_MS: '100' });
  });

  it('answers a visitor without a key or session with the key form (401, HTML, strict CSP), never the page', async () => {
    const res = await app.inject({ method: 'GET', url: PAGE });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('id="login-form"');
    expect(res.body).not.toContain('chart-tiers');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('exchanges the key for an HttpOnly SameSite=Strict cookie that is not the key and opens the page and the data', async () => {
    const wrong = await app.inject({ method: 'POST', url: SESSION, headers: { 'x-api-key': 'not-the-admin-key-at-all' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();

    const res = await app.inject({ method: 'POST', url: SESSION, headers: { authorization: `Bearer ${KEY}` } });
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^mc_dashboard=v2\.\d+\.[\w-]{22}\.[\w-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(KEY);
    const cookie = setCookie.split(';')[0];

    const page = await app.inject({ method: 'GET', url: PAGE, headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('chart-tiers');
    expect(page.body).toContain('/admin/dashboard/assets/chart.umd.min.js');
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'");
    const data = await app.inject({ method: 'GET', url: DATA, headers: { cookie } });
    expect(data.statusCode).toBe(200);
    // The session cookie opens the dashboard only, not the rest of the admin API.
    const admin = await app.inject({ method: 'GET', url: '/api/v1/admin/cache/info', headers: { cookie } });
    expect(admin.statusCode).toBe(401);
  });

  it('admits the admin key as a header on the page and the data too; refuses forged or foreign cookies', async () => {
    expect((await app.inject({ method: 'GET', url: PAGE, headers: { 'x-api-key': KEY } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: DATA, headers: { authorization: `Bearer ${KEY}` } })).statusCode).toBe(200);

    const other = await startApp({ ADMIN_API_KEY: 'another-service-admin-key-987654', ADMIN_RATE_LIMIT_PER_MINUTE: '100000' });
    const foreign = await sessionCookie(other, 'another-service-admin-key-987654');
    const forged = `mc_dashboard=v1.${Date.now() + 60_000}.${'A'.repeat(43)}`;
    for (const cookie of [foreign, forged, `mc_dashboard=${KEY}`]) {
      expect({ cookie, status: (await app.inject({ method: 'GET', url: DATA, headers: { cookie } })).statusCode }).toEqual({ cookie, status: 401 });
    }
  });

  it('serves chart.js and its own assets from the service (no CDN), and nothing else', async () => {
    const chart = await app.inject({ method: 'GET', url: '/admin/dashboard/assets/chart.umd.min.js' });
    expect(chart.statusCode).toBe(200);
    expect(chart.headers['content-type']).toContain('text/javascript');
    expect(chart.body).toMatch(/Chart\.js v4\./);
    const page = await app.inject({ method: 'GET', url: PAGE, headers: { 'x-api-key': KEY } });
    // Everything the page loads comes from the service (the favicon is an empty data: URL, so none is requested).
    const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((source) => source !== 'data:,');
    expect(sources.length).toBeGreaterThanOrEqual(3);
    for (const source of sources) {
      expect(source.startsWith('/admin/dashboard/assets/')).toBe(true);
      expect((await app.inject({ method: 'GET', url: source })).statusCode).toBe(200);
    }
    for (const name of ['index.html', '..%2Fdashboard.service.ts', 'nope.js']) {
      expect((await app.inject({ method: 'GET', url: `/admin/dashboard/assets/${name}` })).statusCode).toBe(404);
    }
  });

  it('reports traffic: lookups, hit rate per policy, upstream calls, top keys, and rates per interval', async () => {
    const cookie = await sessionCookie(app);
    const before = (await app.inject({ method: 'GET', url: DATA, headers: { cookie } })).json();
    for (const symbol of ['AAPL', 'MSFT', 'AAPL', 'AAPL']) await app.inject({ method: 'GET', url: `/api/v1/market/prices/${symbol}` });
    // Two sample intervals, so that one interval holds the traffic whole.
    await new Promise((resolve) => setTimeout(resolve, 350));
    const after = (await app.inject({ method: 'GET', url: DATA, headers: { cookie } })).json();

    expect(after.totals.lookups).toBeGreaterThan(before.totals.lookups);
    expect(after.policies.price.hitsL1).toBeGreaterThan(0);
    expect(after.policies.price.hitRate).toBeGreaterThan(0);
    expect(after.upstream.calls).toBeGreaterThan(before.upstream.calls);
    // Stored keys carry the data source's generation mark: v1:price:@Xk3f9aQ2:AAPL.
    expect(after.topKeys.map((k: { key: string }) => k.key)).toContainEqual(expect.stringMatching(/^v1:price:@\w+:AAPL$/));
    expect(after.backend).toBe('memory');
    expect(after.sampleIntervalMs).toBe(100);
    const busy = after.series.filter((p: { lookups: number }) => p.lookups > 0);
    expect(busy.length).toBeGreaterThan(0);
    expect(busy.reduce((n: number, p: { lookups: number }) => n + p.lookups, 0)).toBe(after.totals.lookups - before.totals.lookups);
    expect(busy.some((p: { policies: Record<string, number | null> }) => (p.policies.price ?? 0) > 0)).toBe(true);
    expect(after.series.reduce((n: number, p: { upstreamCalls: number }) => n + p.upstreamCalls, 0)).toBeGreaterThan(0);
  });

  it('ends a session by clearing the cookie', async () => {
    const res = await app.inject({ method: 'DELETE', url: SESSION });
    expect(res.statusCode).toBe(204);
    expect(String(res.headers['set-cookie'])).toMatch(/^mc_dashboard=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
  });

  it('says the dashboard is off when no admin key is configured (503), with or without a cookie', async () => {
    const off = await startApp();
    const page = await off.inject({ method: 'GET', url: PAGE });
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('ADMIN_API_KEY');
    expect((await off.inject({ method: 'GET', url: DATA, headers: { cookie: 'mc_dashboard=v1.1.x' } })).statusCode).toBe(503);
  });

  it('refuses a session to an admin client credential when no ADMIN_API_KEY signs cookies (503 naming it, not a 500)', async () => {
    const secret = 'ops-admin-secret-0123456789abcdef';
    const adminOnly = await startApp({ CLIENT_CREDENTIALS: `ops:admin:${secret}` });
    const session = await adminOnly.inject({ method: 'POST', url: '/api/v1/admin/dashboard/session', headers: { 'x-api-key': secret } });
    expect(session.statusCode).toBe(503);
    expect(session.json().message).toContain('ADMIN_API_KEY');
    expect((await adminOnly.inject({ method: 'GET', url: DATA, headers: { 'x-api-key': secret } })).statusCode).toBe(200);
  });
});
