import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startApp } from '../support/app.builder';
import { freePort } from '../support/free-port';
import { RedisServer } from '../support/redis-server';

/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * the key form opens it, it loads with no script or CSP error, its numbers and charts move after
 * real HTTP traffic, a warmup shows up with its progress, and a screenshot is kept as an artifact.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
const KEY = 'dashboard-browser-e2e-key-0123456789';
const INTERVAL_MS = 500;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const text = (page: Page, id: string) => page.locator(`#${id}`).innerText();
const count = async (page: Page, id: string) => Number((await text(page, id)).replace(/[^\d.]/g, ''));
/** What the page's script sees (typed here: the test compiles without the DOM library). */
interface BrowserGlobals {
  document: { getElementById(id: string): unknown };
  Chart: { getChart(canvas: unknown): { data: { datasets: { data: unknown[] }[] } } | undefined };
}

/** Positive points of a chart.js dataset on the page (of all its datasets when none is named). */
const plotted = (page: Page, canvas: string, dataset?: number) =>
  page.evaluate(
    ([id, index]) => {
      const browser = globalThis as unknown as BrowserGlobals;
      const chart = browser.Chart.getChart(browser.document.getElementById(id as string));
      const datasets = chart?.data.datasets ?? [];
      return (index === null ? datasets : datasets.slice(index as number, (index as number) + 1)).flatMap((d) => d.data).filter((v) => typeof v === 'number' && v > 0).length;
    },
    [canvas, dataset ?? null] as const,
  );

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const describeWithChromium = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) console.warn(`dashboard browser test skipped: no Chromium at ${CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)`);

describeWithChromium('admin dashboard in headless Chromium', () => {
  let redis: RedisServer;
  let app: NestFastifyApplication;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    redis = await RedisServer.start();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await redis?.stop();
  });

  beforeEach(async () => {
    app = await startApp({
      ADMIN_API_KEY: KEY,
      ADMIN_RATE_LIMIT_PER_MINUTE: '100000',
      DASHBOARD_SAMPLE_INTERVAL_MS: String(INTERVAL_MS),
      REDIS_ENABLED: 'true',
      REDIS_URL: redis.url,
      CACHE_BUS_ENABLED: 'false',
    });
    const port = await freePort();
    await app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
  });

  it('opens with the key, then shows traffic, Redis latency and a warmup as they happen', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1300 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => ['error', 'warning'].includes(message.type()) && problems.push(`console ${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    // Anything fetched from another origin (a CDN) would break offline use.
    page.on('request', (request) => !request.url().startsWith(base) && problems.push(`foreign request: ${request.url()}`));

    const first = await page.goto(`${base}/admin/dashboard`);
    expect(first?.status()).toBe(401);
    await page.fill('#api-key', 'not-the-admin-key-at-all');
    await page.click('button[type=submit]');
    await waitUntil(async () => (await text(page, 'login-error')).includes('not the admin key'));
    await page.fill('#api-key', KEY);
    await Promise.all([page.waitForURL(`${base}/admin/dashboard`), page.click('button[type=submit]')]);
    await page.waitForSelector('#chart-tiers');
    // The 401s of the key form (the first load, the wrong key) were the point; from here on, none.
    expect(problems.filter((p) => !p.includes('status of 401'))).toEqual([]);
    problems.length = 0;
    const cookies = await context.cookies();
    expect(cookies.map(({ name, httpOnly, sameSite }) => ({ name, httpOnly, sameSite }))).toEqual([{ name: 'mc_dashboard', httpOnly: true, sameSite: 'Strict' }]);
    expect(cookies[0].value).not.toContain(KEY);

    // First poll drawn; Redis is connected by the time the backend badge says so.
    await waitUntil(async () => (await text(page, 'backend')) === 'redis');
    expect(await text(page, 'breaker')).toBe('closed');
    expect(await text(page, 'upstream-provider')).toBe('synthetic');
    const lookupsBefore = await count(page, 'lookups');
    const upstreamBefore = await count(page, 'upstream-calls');

    // Real traffic over HTTP: cold misses, then L1 hits on the same routes.
    const symbols = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META'];
    for (let round = 0; round < 3; round++) {
      await Promise.all(symbols.map((s) => fetch(`${base}/api/v1/market/prices/${s}`).then((r) => r.arrayBuffer())));
      await Promise.all(symbols.slice(0, 3).map((s) => fetch(`${base}/api/v1/scores/${s}`).then((r) => r.arrayBuffer())));
    }
    // Wait until a poll has seen all of it (the service's own count), not just its first requests.
    const served = await fetch(`${base}/api/v1/admin/dashboard/data`, { headers: { 'x-api-key': KEY } }).then((r) => r.json() as Promise<{ totals: { lookups: number } }>);
    expect(served.totals.lookups).toBeGreaterThan(lookupsBefore);
    await waitUntil(async () => (await count(page, 'lookups')) >= served.totals.lookups);
    await waitUntil(async () => (await text(page, 'l2-p95')) !== '–');
    expect(await count(page, 'upstream-calls')).toBeGreaterThan(upstreamBefore);
    expect(await text(page, 'hit-rate')).toMatch(/^\d+\.\d %$/);
    expect(await count(page, 'hit-rate')).toBeGreaterThan(0);
    expect(await count(page, 'l1-entries')).toBeGreaterThan(0);
    expect(await page.locator('#policies tr').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/^price\t/), expect.stringMatching(/^score\t/)]));
    // Stored keys carry the data source's generation mark: v1:price:@Xk3f9aQ2:AAPL.
    expect((await page.locator('#top-keys tr').allInnerTexts()).join('\n')).toMatch(/v1:price:@\w+:AAPL/);
    // The charts plotted the interval that held the traffic: L1 share, some policy, L2 latency, upstream calls.
    // (Series points come with the next sample after the traffic, so they may trail the counters.)
    await waitUntil(async () => (await plotted(page, 'chart-tiers', 0)) > 0 && (await plotted(page, 'chart-policies')) > 0);
    expect(await plotted(page, 'chart-l2', 1)).toBeGreaterThan(0);
    expect(await plotted(page, 'chart-upstream')).toBeGreaterThan(0);

    // A warmup started through the admin API appears with its progress.
    const started = await fetch(`${base}/api/v1/admin/cache/warmup`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ symbols: ['AAPL', 'MSFT', 'JPM', 'XOM'], policies: ['prices', 'history'] }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    await waitUntil(async () => {
      const summary = await text(page, 'warmup-summary');
      return summary.startsWith(started.id) && summary.includes('done · 8/8 tasks');
    }, 30_000);
    expect([await page.getAttribute('#warmup-progress', 'value'), await page.getAttribute('#warmup-progress', 'max')]).toEqual(['8', '8']);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});
