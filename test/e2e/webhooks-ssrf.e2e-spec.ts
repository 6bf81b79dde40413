import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AlertFiring } from '../../src/alerts/alert-firing.service';
import type { AlertNotification } from '../../src/alerts/alert-rules';
import { WebhookDelivery } from '../../src/alerts/webhook-delivery';
import { WebhookNetwork } from '../../src/alerts/webhooks/webhook-network';
import type { CheckedTarget, ResolvedAddress } from '../../src/alerts/webhooks/webhook-target';
import type { Quote } from '../../src/market-data/market-data.types';
import { waitUntil } from '../support/cache.builder';
import { listenApp, type ListeningApp } from '../support/listening-app';

/**
 * Webhooks that cannot be aimed inward, through the real app. NETWORK RULE: no packet leaves
 * loopback. The app's resolver is a stub (`WebhookNetwork.lookup`: a table, never DNS), and its
 * connect step (`WebhookNetwork.send`) is a spy that refuses, without connecting, any address
 * outside 127.0.0.0/8 and ::1, so even a bug could not reach a private, metadata or public
 * address. Receivers listen on 127.0.0.1 only.
 */

const figures: Record<string, string | number> = {};
afterAll(() => console.log(`webhooks e2e figures: ${JSON.stringify(figures)}`));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isLoopback = (address: string) => (isIP(address) === 4 && address.startsWith('127.')) || address === '::1';

interface Network {
  table: Record<string, string[]>;
  lookups: string[];
  /** Every address the app asked to connect to (connections are opened only to loopback ones). */
  sends: CheckedTarget[];
}

/** Stubs the app's resolver with `table` and wraps its connect step in the loopback-only guard. */
function stubNetwork(app: NestFastifyApplication, table: Record<string, string[]>): Network {
  const network = app.get(WebhookNetwork);
  const state: Network = { table, lookups: [], sends: [] };
  jest.spyOn(network, 'lookup').mockImplementation(async (host: string): Promise<ResolvedAddress[]> => {
    state.lookups.push(host);
    const addresses = state.table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: isIP(address) }));
  });
  const send = network.send.bind(network);
  jest.spyOn(network, 'send').mockImplementation((target, hook) => {
    state.sends.push(target);
    if (!isLoopback(target.address)) return Promise.reject(new Error(`test guard: no connection to ${target.address}`));
    return send(target, hook);
  });
  return state;
}

/** A loopback receiver: answers with `respond` (default 200), records requests and the most in flight at once. */
class Receiver {
  readonly requests: { url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private constructor(private readonly server: Server) {}

  static async start(respond: (res: ServerResponse, n: number) => unknown = (res) => res.writeHead(200).end('ok')): Promise<Receiver> {
    const server = createServer();
    const receiver = new Receiver(server);
    server.on('request', (req, res) => {
      receiver.inFlight++;
      receiver.maxInFlight = Math.max(receiver.maxInFlight, receiver.inFlight);
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        receiver.requests.push({ url: req.url ?? '', headers: req.headers, body });
        void Promise.resolve(respond(res, receiver.requests.length)).finally(() => receiver.inFlight--);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const apps: ListeningApp[] = [];
const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  jest.restoreAllMocks();
});

async function start(env: Record<string, string> = {}): Promise<ListeningApp> {
  const app = await listenApp({ REDIS_ENABLED: 'false', ALERTS_POLL_INTERVAL_MS: '0', ALERTS_WEBHOOK_BACKOFF_MS: '50', ...env });
  apps.push(app);
  return app;
}

async function receiver(respond?: (res: ServerResponse, n: number) => unknown): Promise<Receiver> {
  const started = await Receiver.start(respond);
  receivers.push(started);
  return started;
}

const post = (app: ListeningApp, webhookUrl: string, extra: object = {}) =>
  app.app.inject({ method: 'POST', url: '/api/v1/alerts', payload: { symbol: 'AAPL', condition: 'above', price: 1e6, ttlSeconds: 3600, webhookUrl, ...extra } });

const metric = async (app: ListeningApp, outcome: string) =>
  Number(new RegExp(`^mc_alerts_webhook_deliveries_total\\{outcome="${outcome}"\\} (\\S+)$`, 'm').exec((await app.app.inject({ method: 'GET', url: '/metrics' })).body)?.[1] ?? 0);

/**
 * Registers alerts above 1.5× the price (not true at creation), then has the app's own firing
 * check a quote at 2× the price: the real path from a crossing quote to the webhook queue.
 */
async function fireAlerts(app: ListeningApp, webhookUrl: string, count = 1, beforeFiring?: () => void): Promise<string[]> {
  const quote = (await app.app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' })).json<Quote>();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await post(app, webhookUrl, { price: Math.round(quote.price * 150) / 100 });
    expect(created.statusCode).toBe(201);
    ids.push(created.json<{ id: string }>().id);
  }
  // Only quotes received after registration (ms resolution) fire an alert.
  await sleep(5);
  beforeFiring?.();
  const fired = await app.app.get(AlertFiring).evaluate([{ quote: { ...quote, price: quote.price * 2 }, receivedAt: new Date() }]);
  expect(fired.map((n) => n.alertId).sort()).toEqual([...ids].sort());
  return ids;
}

const notification = (alertId: string): AlertNotification => ({
  alertId,
  symbol: 'AAPL',
  condition: 'above',
  threshold: 1,
  price: 2,
  referencePrice: 1,
  changePercent: 100,
  quoteAsOf: new Date().toISOString(),
  firedAt: new Date().toISOString(),
  message: 'AAPL at 2 is above 1',
});

const TABLE = {
  'hooks.example.test': ['93.184.216.34'],
  'internal.example.test': ['10.0.0.5'],
  'cgnat.example.test': ['100.64.1.1'],
  'mixed.example.test': ['93.184.216.34', '127.0.0.1'],
  'ula.example.test': ['fd12:3456::1'],
  'v6mapped.example.test': ['::ffff:169.254.169.254'],
  localhost: ['127.0.0.1', '::1'],
};

describe('webhookUrl at alert creation (stub resolver)', () => {
  it.each([
    ['http://127.0.0.1/hook', 'webhookUrl must not point to a loopback address (127.0.0.1)'],
    ['http://localhost/hook', 'webhookUrl must not point to a loopback address (localhost resolves to one)'],
    ['http://0x7f000001/hook', 'webhookUrl must not point to a loopback address (127.0.0.1)'],
    ['http://2130706433/hook', 'webhookUrl must not point to a loopback address (127.0.0.1)'],
    ['http://0177.0.0.1/hook', 'webhookUrl must not point to a loopback address (127.0.0.1)'],
    ['http://127.1/hook', 'webhookUrl must not point to a loopback address (127.0.0.1)'],
    ['http://[::1]/hook', 'webhookUrl must not point to a loopback address (::1)'],
    ['http://[::ffff:127.0.0.1]/hook', 'webhookUrl must not point to a loopback address (embedded in IPv6 as 127.0.0.1) (::ffff:7f00:1)'],
    ['http://[::ffff:7f00:1]/hook', 'webhookUrl must not point to a loopback address (embedded in IPv6 as 127.0.0.1) (::ffff:7f00:1)'],
    ['http://[64:ff9b::7f00:1]/hook', 'webhookUrl must not point to a loopback address (embedded in IPv6 as 127.0.0.1) (64:ff9b::7f00:1)'],
    ['http://0.0.0.0:3000/api/v1/admin/cache/keys', 'webhookUrl must not point to an unspecified address (0.0.0.0)'],
    ['http://[::]/hook', 'webhookUrl must not point to an unspecified address (::)'],
    ['http://10.1.2.3/hook', 'webhookUrl must not point to a private address (10.1.2.3)'],
    ['http://172.16.5.4/hook', 'webhookUrl must not point to a private address (172.16.5.4)'],
    ['http://192.168.0.10/hook', 'webhookUrl must not point to a private address (192.168.0.10)'],
    ['http://100.64.0.1/hook', 'webhookUrl must not point to a carrier-grade NAT address (100.64.0.0/10) (100.64.0.1)'],
    ['http://169.254.10.10/hook', 'webhookUrl must not point to a link-local address (169.254.10.10)'],
    ['http://[fe80::1]/hook', 'webhookUrl must not point to a link-local address (fe80::1)'],
    ['http://[fd12::1]/hook', 'webhookUrl must not point to a unique-local address (fd12::1)'],
    ['http://224.0.0.1/hook', 'webhookUrl must not point to a multicast address (224.0.0.1)'],
    ['http://255.255.255.255/hook', 'webhookUrl must not point to a broadcast address (255.255.255.255)'],
    ['http://169.254.169.254/latest/meta-data/', 'webhookUrl must not point to a cloud metadata address (169.254.169.254)'],
    ['http://[fd00:ec2::254]/latest/meta-data/', 'webhookUrl must not point to a cloud metadata address (fd00:ec2::254)'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'webhookUrl must not point to a cloud metadata service (metadata.google.internal)'],
    ['http://internal.example.test/hook', 'webhookUrl must not point to a private address (internal.example.test resolves to one)'],
    ['http://cgnat.example.test/hook', 'webhookUrl must not point to a carrier-grade NAT address (100.64.0.0/10) (cgnat.example.test resolves to one)'],
    ['http://mixed.example.test/hook', 'webhookUrl must not point to a loopback address (mixed.example.test resolves to one)'],
    ['http://ula.example.test/hook', 'webhookUrl must not point to a unique-local address (ula.example.test resolves to one)'],
    ['http://v6mapped.example.test/hook', 'webhookUrl must not point to a cloud metadata address (embedded in IPv6 as 169.254.169.254) (v6mapped.example.test resolves to one)'],
    ['http://nowhere.example.test/hook', 'webhookUrl host nowhere.example.test does not resolve (ENOTFOUND)'],
    ['http://user:s3cret@hooks.example.test/hook', 'webhookUrl must not carry credentials (user:password@)'],
    ['ftp://hooks.example.test/hook', 'webhookUrl must be an http(s) URL'],
  ])('refuses %s with a 400 naming the problem, connecting nowhere', async (url, message) => {
    const app = await start();
    const network = stubNetwork(app.app, TABLE);
    const response = await post(app, url);
    expect(response.statusCode).toBe(400);
    expect([response.json<{ message: string | string[] }>().message].flat().join(' | ')).toContain(message);
    expect(network.sends).toEqual([]);
    // An IP literal is never handed to the resolver.
    if (isIP(new URL(url.replace(/^ftp:/, 'http:')).hostname.replace(/^\[|\]$/g, ''))) expect(network.lookups).toEqual([]);
  });

  it("refuses the service's own admin URL, and accepts a public host", async () => {
    const app = await start();
    const network = stubNetwork(app.app, TABLE);
    const own = await post(app, `${app.baseUrl}/api/v1/admin/cache/keys?pattern=*`);
    expect(own.statusCode).toBe(400);
    expect(own.json<{ message: string }>().message).toBe('webhookUrl must not point to a loopback address (127.0.0.1)');
    expect((await post(app, 'https://hooks.example.test/alerts')).statusCode).toBe(201);
    expect(network.sends).toEqual([]);
  });

  it('credentials in a URL are refused and never logged, at creation or at delivery of an alert stored before', async () => {
    const app = await start({ ALERTS_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', LOG_LEVEL: 'info' });
    const network = stubNetwork(app.app, TABLE);
    const hook = await receiver();
    expect((await post(app, 'http://user:s3cret-pw@hooks.example.test/hook')).statusCode).toBe(400);
    // As an alert stored before this release would be delivered.
    await app.app.get(WebhookDelivery).deliver(`http://user:s3cret-pw@127.0.0.1:${hook.port}/hook`, notification('9f1b8a52-0000-4000-8000-000000000001'));
    await app.app.get(WebhookDelivery).whenIdle();
    expect(hook.requests).toEqual([]);
    expect(network.sends).toEqual([]);
    expect(await metric(app, 'refused')).toBe(1);
    const logs = app.logs.join('\n');
    expect(logs).toContain('refused: webhookUrl must not carry credentials');
    expect(logs).not.toContain('s3cret-pw');
  });
});

describe('webhook delivery (stub resolver, loopback receivers)', () => {
  it('connects to the checked address with the original Host, and logs the host only, never the path', async () => {
    const app = await start({ ALERTS_WEBHOOK_ALLOWED_HOSTS: 'hooks.example.test' });
    const hook = await receiver();
    const network = stubNetwork(app.app, { 'hooks.example.test': ['127.0.0.1'] });
    const url = `http://hooks.example.test:${hook.port}/hook/path-secret-123?token=query-secret-456`;
    const [id] = await fireAlerts(app, url);
    await waitUntil(() => hook.requests.length === 1, 5000);
    await app.app.get(WebhookDelivery).whenIdle();
    expect(hook.requests[0]).toMatchObject({ url: '/hook/path-secret-123?token=query-secret-456', headers: { host: `hooks.example.test:${hook.port}`, 'x-alert-id': id } });
    expect(JSON.parse(hook.requests[0].body)).toMatchObject({ alertId: id, symbol: 'AAPL' });
    expect(network.sends.map((s) => s.address)).toEqual(['127.0.0.1']);
    expect(await metric(app, 'delivered')).toBe(1);
    await app.app.get(WebhookDelivery).deliver(`http://hooks.example.test:1/hook/path-secret-123?token=query-secret-456`, notification(id));
    await waitUntil(async () => (await metric(app, 'failed')) === 1, 5000);
    const logs = app.logs.join('\n');
    expect(logs).toContain('(hooks.example.test:1)');
    expect(logs).not.toMatch(/path-secret-123|query-secret-456/);
  });

  it('refuses at delivery a host that resolves to a private address after creation (DNS rebinding), connecting nowhere', async () => {
    const app = await start();
    const network = stubNetwork(app.app, { 'rebind.example.test': ['93.184.216.34'] });
    // Created while the name answers with a public address; by the time it fires, with loopback
    // (and for a second delivery, with the metadata address).
    await fireAlerts(app, 'http://rebind.example.test/hook', 1, () => (network.table['rebind.example.test'] = ['127.0.0.1']));
    network.table['rebind.example.test'] = ['169.254.169.254'];
    await app.app.get(WebhookDelivery).deliver('http://rebind.example.test/other', notification('9f1b8a52-0000-4000-8000-000000000002'));
    await waitUntil(async () => (await metric(app, 'refused')) === 2, 5000);
    expect(network.sends).toEqual([]);
    expect(network.lookups.filter((h) => h === 'rebind.example.test')).toHaveLength(3);
    expect(await metric(app, 'delivered')).toBe(0);
    const logs = app.logs.join('\n');
    expect(logs).toContain('refused: webhookUrl must not point to a loopback address (rebind.example.test resolves to one)');
    expect(logs).toContain('refused: webhookUrl must not point to a cloud metadata address (rebind.example.test resolves to one)');
  });

  it('does not follow a redirect: a 3xx is a failed delivery, not retried', async () => {
    const app = await start({ ALERTS_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
    stubNetwork(app.app, {});
    const target = await receiver();
    const redirecting = await receiver((res) => res.writeHead(302, { location: `http://127.0.0.1:${target.port}/stolen` }).end());
    await fireAlerts(app, `http://127.0.0.1:${redirecting.port}/hook`);
    await waitUntil(async () => (await metric(app, 'failed')) === 1, 5000);
    await sleep(300);
    expect(redirecting.requests).toHaveLength(1);
    expect(target.requests).toEqual([]);
    expect(app.logs.join('\n')).toContain('HTTP 302: redirects are not followed');
  });

  it('bounds deliveries in flight: 50 alerts firing at once, at most ALERTS_WEBHOOK_MAX_CONCURRENCY connections', async () => {
    const app = await start({ ALERTS_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', ALERTS_WEBHOOK_MAX_CONCURRENCY: '4' });
    stubNetwork(app.app, {});
    const slow = await receiver(async (res) => {
      await sleep(60);
      res.writeHead(200).end('ok');
    });
    const started = performance.now();
    const ids = await fireAlerts(app, `http://127.0.0.1:${slow.port}/hook`, 50);
    await waitUntil(() => slow.requests.length === 50, 20_000);
    await app.app.get(WebhookDelivery).whenIdle();
    figures.fiftyDeliveriesMs = Math.round(performance.now() - started);
    figures.maxConcurrentConnections = slow.maxInFlight;
    expect(slow.maxInFlight).toBeLessThanOrEqual(4);
    expect(slow.maxInFlight).toBeGreaterThanOrEqual(2);
    expect(new Set(slow.requests.map((r) => r.headers['x-alert-id']))).toEqual(new Set(ids));
    expect(await metric(app, 'delivered')).toBe(50);
  }, 60_000);

  it('/metrics carries outcomes only: no per-target or per-attempt series', async () => {
    const app = await start({ ALERTS_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
    stubNetwork(app.app, {});
    const failing = await receiver((res) => res.writeHead(500).end());
    await app.app.get(WebhookDelivery).deliver(`http://127.0.0.1:${failing.port}/hook`, notification('9f1b8a52-0000-4000-8000-000000000003'));
    await waitUntil(async () => (await metric(app, 'failed')) === 1, 10_000);
    expect(failing.requests).toHaveLength(4);
    const text = (await app.app.inject({ method: 'GET', url: '/metrics' })).body;
    const webhookSeries = text.split('\n').filter((line) => /webhook/.test(line) && !line.startsWith('#'));
    expect(webhookSeries.every((line) => /^mc_alerts_(webhook_deliveries_total\{outcome="(delivered|failed|refused)"\}|delivered_total\{channel="webhook"\}) \d+$/.test(line))).toBe(true);
    expect(text).not.toContain(String(failing.port));
    expect(text).not.toMatch(/retried|gave_up/);
  });
});
