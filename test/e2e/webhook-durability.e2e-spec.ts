import { createClient } from '@redis/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Bar } from '../../src/market-data/market-data.types';
import { SyntheticMarketDataProvider } from '../../src/market-data/providers/synthetic.provider';
import { freePort } from '../support/free-port';
import { PolygonMockServer } from '../support/polygon-mock.server';
import { RedisServer } from '../support/redis-server';
import { WebhookReceiver } from '../support/webhook-receiver';

/**
 * Webhook retries survive the replica that holds them: two real processes (`src/main.ts` under
 * ts-node) on one private redis-server, over a Polygon-format upstream on loopback whose price the
 * test moves. Replica A fires an alert; its webhook fails (500), the retry waits in Redis; A is
 * SIGKILLed before the retry; replica B, started afterwards, finishes the delivery.
 */

const ROOT = resolve(__dirname, '..', '..');
const API_KEY = 'durability-key';
const BACKOFF_MS = 1500;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

const figures: Record<string, string | number> = {};
afterAll(() => console.log(`webhook durability figures: ${JSON.stringify(figures)}`));

interface Service {
  child: ChildProcess;
  port: number;
  lines: string[];
}

const services: Service[] = [];

async function startService(env: Record<string, string>): Promise<Service> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TS_NODE_PROJECT: 'tsconfig.json', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const service: Service = { child, port, lines: [] };
  services.push(service);
  const collect = (chunk: Buffer) => service.lines.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const deadline = Date.now() + 150_000;
  while ((await call(port, 'GET', '/health/ready')).status !== 200) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`service did not become ready:\n${service.lines.slice(-20).join('\n')}`);
    await sleep(100);
  }
  return service;
}

function call(port: number, method: string, path: string, body?: object): Promise<{ status: number | string; json: Record<string, unknown> }> {
  return new Promise((done) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ host: '127.0.0.1', port, path, method, agent: false, timeout: 5000, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          // not JSON (metrics)
          json = { text };
        }
        done({ status: res.statusCode ?? 0, json });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => done({ status: error.code ?? 'ERROR', json: {} }));
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.end(payload);
  });
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string, service?: Service): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${service ? `:\n${service.lines.slice(-15).join('\n')}` : ''}`);
    await sleep(25);
  }
}

describe('a replica killed mid-retry', () => {
  let redis: RedisServer;
  let mock: PolygonMockServer;
  let hook: WebhookReceiver;
  let hanging: HangingReceiver | undefined;
  let bars: Bar[];

  beforeAll(async () => {
    redis = await RedisServer.start();
    bars = await new SyntheticMarketDataProvider({ seed: 7, universeSize: 600 }).getHistory('AAPL', { interval: '1d', period: '1mo' });
    mock = await PolygonMockServer.start({ apiKey: API_KEY });
  });
  beforeEach(() => {
    mock.setBars('AAPL', bars);
  });
  afterAll(async () => {
    for (const { child } of services) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await hook?.close();
    await hanging?.close();
    await mock?.close();
    await redis?.stop();
  });

  function serviceEnv(): { prefix: string; env: Record<string, string> } {
      const prefix = `wd${Math.random().toString(36).slice(2, 8)}:`;
      const env = {
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        REDIS_ENABLED: 'true',
        REDIS_URL: redis.url,
        REDIS_PREFIX: prefix,
        CACHE_L2_TIMEOUT_MS: '1000',
        MARKET_DATA_PROVIDER: 'polygon',
        POLYGON_BASE_URL: mock.baseUrl,
        POLYGON_API_KEY: API_KEY,
        UPSTREAM_MAX_RETRIES: '0',
        WARMUP_ON_BOOT: 'false',
        WARMUP_CRON: 'off',
        REFRESH_AHEAD_INTERVAL_MS: '0',
        DISK_CACHE_ENABLED: 'false',
        SIGNALS_REFRESH_INTERVAL_MS: '0',
        ALERTS_POLL_INTERVAL_MS: '200',
        ALERTS_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        ALERTS_WEBHOOK_BACKOFF_MS: String(BACKOFF_MS),
        ALERTS_WEBHOOK_MAX_ATTEMPTS: '5',
        ALERTS_WEBHOOK_TIMEOUT_MS: '1000',
      };
    return { prefix, env };
  }

  it('loses no webhook: another replica delivers the retries from Redis', async () => {
    // Two failures, then success: attempt 1 on A, attempts 2 and 3 on B.
    hook = await WebhookReceiver.start([500, 500]);
    const { prefix, env } = serviceEnv();
    const a = await startService(env);

    const price = bars.at(-1)?.close as number;
    const created = await call(a.port, 'POST', '/api/v1/alerts', { symbol: 'AAPL', condition: 'above', price: Math.round(price * 150) / 100, ttlSeconds: 3600, webhookUrl: hook.url });
    expect(created.status).toBe(201);
    const alertId = created.json.id as string;

    // The upstream's price jumps: A's next poll (every 200 ms) fires the alert, and its webhook's first attempt fails.
    mock.setBars('AAPL', [...bars.slice(0, -1), { ...(bars.at(-1) as Bar), close: price * 2, high: price * 2 }]);
    await waitFor(() => hook.received.length >= 1, 15_000, 'the first webhook attempt', a);
    const observer = createClient({ url: redis.url });
    await observer.connect();
    try {
      const jobs = async () => Object.values(await observer.hGetAll(`${prefix}state:{webhooks}:jobs`)).map((raw) => JSON.parse(raw) as { alertId: string; attempts: number });
      // A recorded the failure: the retry waits in Redis, BACKOFF_MS away. Mid-retry, SIGKILL, as an OOM kill or a node loss would.
      await waitFor(async () => (await jobs())[0]?.attempts === 1, 5000, 'the retry to be scheduled', a);
      a.child.kill('SIGKILL');
      const killedAt = performance.now();
      await new Promise((done) => a.child.once('exit', done));
      expect(hook.received).toHaveLength(1);
      expect(await jobs()).toMatchObject([{ alertId, attempts: 1 }]);
      expect(await observer.zCard(`${prefix}state:{webhooks}:due`)).toBe(1);

      const b = await startService(env);
      figures.secondReplicaReadyAfterKillMs = Math.round(performance.now() - killedAt);
      await waitFor(() => hook.received.length >= 3, 20_000, 'the retries on B', b);
      await sleep(BACKOFF_MS);

      expect(hook.received.map((r) => r.status)).toEqual([500, 500, 200]);
      expect(hook.received.every((r) => r.headers['x-alert-id'] === alertId)).toBe(true);
      expect(new Set(hook.received.map((r) => r.body)).size).toBe(1);
      expect(JSON.parse(hook.received[0].body)).toMatchObject({ alertId, symbol: 'AAPL', condition: 'above' });
      // Attempts 2 and 3 came after A was gone, with the back-off doubling (1.5 s, then 3 s).
      expect(hook.received[1].at).toBeGreaterThan(killedAt);
      expect(hook.received[2].at - hook.received[1].at).toBeGreaterThanOrEqual(2 * BACKOFF_MS - 100);
      figures.firstToLastAttemptMs = Math.round(hook.received[2].at - hook.received[0].at);
      await waitFor(async () => (await observer.hLen(`${prefix}state:{webhooks}:jobs`)) === 0, 5000, 'the job to leave Redis', b);
      expect(await observer.zCard(`${prefix}state:{webhooks}:due`)).toBe(0);
      const metrics = String((await call(b.port, 'GET', '/metrics')).json.text);
      expect(metrics).toMatch(/^mc_alerts_webhook_deliveries_total\{outcome="delivered"\} 1$/m);
      expect(b.lines.join('\n')).not.toContain('/hook');
    } finally {
      await observer.quit();
    }
  }, 240_000);

  it('loses no webhook when killed mid-attempt: the claim\'s lease ends and another replica delivers it', async () => {
    hanging = await HangingReceiver.start();
    const { prefix, env } = serviceEnv();
    const a = await startService(env);
    const price = bars.at(-1)?.close as number;
    const created = await call(a.port, 'POST', '/api/v1/alerts', { symbol: 'AAPL', condition: 'below', price: Math.round(price * 50) / 100, ttlSeconds: 3600, webhookUrl: hanging.url });
    expect(created.status).toBe(201);
    const alertId = created.json.id as string;
    mock.setBars('AAPL', [...bars.slice(0, -1), { ...(bars.at(-1) as Bar), close: price / 4, low: price / 4 }]);
    // A's first attempt reaches the receiver, which never answers: A is killed holding the claim.
    await waitFor(() => (hanging as HangingReceiver).requests.length >= 1, 15_000, 'the first webhook attempt', a);
    a.child.kill('SIGKILL');
    await new Promise((done) => a.child.once('exit', done));
    const observer = createClient({ url: redis.url });
    await observer.connect();
    try {
      const jobs = Object.values(await observer.hGetAll(`${prefix}state:{webhooks}:jobs`)).map((raw) => JSON.parse(raw) as { alertId: string; attempts: number });
      expect(jobs).toMatchObject([{ alertId, attempts: 0 }]);
      expect(Object.keys(await observer.hGetAll(`${prefix}state:{webhooks}:owners`))).toHaveLength(1);

      const b = await startService(env);
      await waitFor(() => (hanging as HangingReceiver).requests.length >= 2, 20_000, 'the delivery on B', b);
      expect((hanging as HangingReceiver).requests.map((r) => r.alertId)).toEqual([alertId, alertId]);
      await waitFor(async () => (await observer.hLen(`${prefix}state:{webhooks}:jobs`)) === 0, 5000, 'the job to leave Redis', b);
      expect(await observer.hLen(`${prefix}state:{webhooks}:owners`)).toBe(0);
    } finally {
      await observer.quit();
    }
  }, 240_000);
});

/** A loopback receiver that never answers its first request, then answers 200. */
class HangingReceiver {
  readonly requests: { alertId: string }[] = [];
  private constructor(private readonly server: Server) {}

  static async start(): Promise<HangingReceiver> {
    const server = createServer();
    const receiver = new HangingReceiver(server);
    server.on('request', (req, res) => {
      req.resume();
      req.on('end', () => {
        receiver.requests.push({ alertId: String(req.headers['x-alert-id']) });
        if (receiver.requests.length > 1) res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((done) => this.server.close(() => done()));
  }
}
