import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RedisConnection } from '../../src/cache';
import { createApp } from '../../src/bootstrap';
import { AlertChannel } from '../../src/alerts/alert-channel';
import { AlertFiring } from '../../src/alerts/alert-firing.service';
import { AlertPricePoller } from '../../src/alerts/alert-price-poller.service';
import type { Alert, AlertNotification } from '../../src/alerts/alert-rules';
import type { Quote } from '../../src/market-data/market-data.types';
import { PriceFeed } from '../../src/market-data/price-feed';
import { startApp } from '../support/app.builder';
import { waitUntil } from '../support/cache.builder';
import { RedisServer } from '../support/redis-server';
import { SseClient } from '../support/sse-client';
import { WebhookReceiver } from '../support/webhook-receiver';

/**
 * Price alerts through the real app: validation, lifecycle and expiry on memory; then two
 * listening replicas sharing one private Redis, with real SSE clients (http.get) and a webhook
 * receiver of our own: an alert registered on A fires once, reaches streams on B and A, and its
 * webhook once after one retry; and SSE streams end cleanly when a replica shuts down.
 */

const figures: Record<string, string | number> = {};
afterAll(() => console.log(`alerts e2e figures: ${JSON.stringify(figures)}`));

/** Only updates received after an alert's `createdAt` (millisecond resolution) can fire it: not in its millisecond. */
async function pastCreation(alert: { createdAt: string }): Promise<void> {
  while (Date.now() <= Date.parse(alert.createdAt)) await sleep(1);
}

// Every alert needs an expiry: an hour unless the case gives one.
const post = (app: NestFastifyApplication, payload: object) =>
  app.inject({ method: 'POST', url: '/api/v1/alerts', payload: 'expiresAt' in payload || 'ttlSeconds' in payload ? payload : { ttlSeconds: 3600, ...payload } });
const priceOf = async (app: NestFastifyApplication, symbol: string) =>
  (await app.inject({ method: 'GET', url: `/api/v1/market/prices/${symbol}` })).json<Quote>().price;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A provider quote at `price` reaches the replica's price feed (as the poll's or a price read's
 * would; the synthetic provider's own price stands still within a minute) and has been checked.
 */
async function quoteAt(app: NestFastifyApplication, symbol: string, price: number): Promise<void> {
  const quote = (await app.inject({ method: 'GET', url: `/api/v1/market/prices/${symbol}` })).json<Quote>();
  app.get(PriceFeed).publish({ ...quote, price });
  await app.get(AlertFiring).whenIdle();
}

describe('price alerts on one replica (memory)', () => {
  let app: NestFastifyApplication;
  beforeEach(async () => {
    // Webhooks to loopback only where allowed (ALERTS_WEBHOOK_ALLOWED_HOSTS); the tests' receivers listen there.
    app = await startApp({ ALERTS_POLL_INTERVAL_MS: '0', ALERTS_WEBHOOK_ALLOWED_HOSTS: 'localhost,127.0.0.1' });
  });

  it.each([
    ['an unknown symbol', { symbol: 'ZZZZZZ', condition: 'above', price: 10 }, 'Unknown symbol: ZZZZZZ'],
    ['a negative price', { symbol: 'AAPL', condition: 'below', price: -5 }, 'price must be a positive number'],
    ['a zero percent', { symbol: 'AAPL', condition: 'move', percent: 0 }, 'percent must be a positive number'],
    ['no fields at all', {}, 'symbol is required: a ticker like AAPL'],
    ['no condition', { symbol: 'AAPL', price: 10 }, 'condition is required: one of above, below, move'],
    ['above without a price', { symbol: 'AAPL', condition: 'above' }, 'price must be a number (required for above and below)'],
    ['move without a percent', { symbol: 'AAPL', condition: 'move' }, 'percent must be a number (required for move)'],
    ['a price on a move', { symbol: 'AAPL', condition: 'move', percent: 2, price: 10 }, 'price applies to above and below; a move alert takes percent'],
    ['a non-http webhook', { symbol: 'AAPL', condition: 'above', price: 10, webhookUrl: 'ftp://example.com/x' }, 'webhookUrl must be an http(s) URL'],
    ['an expiry in the past', { symbol: 'AAPL', condition: 'above', price: 10, expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt must be in the future'],
    ['two expiries', { symbol: 'AAPL', condition: 'above', price: 10, expiresAt: '2999-01-01T00:00:00Z', ttlSeconds: 60 }, 'Give expiresAt or ttlSeconds, not both'],
  ])('rejects %s with a 400 naming the problem', async (_, payload, message) => {
    const response = await post(app, payload);
    expect(response.statusCode).toBe(400);
    const body = response.json<{ message: string | string[] }>();
    expect([body.message].flat()).toContain(message);
  });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/alerts/not-an-id' })).statusCode).toBe(400);
    const unknown = await app.inject({ method: 'GET', url: '/api/v1/alerts/0b7c1e52-4a55-4e63-9f7e-2f1d1b7f6c11' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'NOT_FOUND', message: 'No alert 0b7c1e52-4a55-4e63-9f7e-2f1d1b7f6c11' });
  });

  it('registers with the current price as reference, reads back, deletes; an expired alert shows expired', async () => {
    const created = await post(app, { symbol: 'msft', condition: 'move', percent: 3, webhookUrl: 'http://localhost:9/hook', ttlSeconds: 600 });
    expect(created.statusCode).toBe(201);
    const alert = created.json<Alert>();
    expect(alert).toMatchObject({ symbol: 'MSFT', condition: 'move', percent: 3, price: null, webhookUrl: 'http://localhost:9/hook', owner: 'anonymous', status: 'active', firedAt: null });
    expect(Date.parse(alert.expiresAt) - Date.parse(alert.createdAt)).toBe(600_000);
    expect(alert.referencePrice).toBe(await priceOf(app, 'MSFT'));
    expect((await app.inject({ method: 'GET', url: `/api/v1/alerts/${alert.id}` })).json()).toEqual(alert);
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/alerts/${alert.id}` })).statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: `/api/v1/alerts/${alert.id}` })).json()).toMatchObject({ id: alert.id, status: 'deleted', firedAt: null });
    const again = await app.inject({ method: 'DELETE', url: `/api/v1/alerts/${alert.id}` });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'ALERT_NOT_ACTIVE' });

    const timed = (await post(app, { symbol: 'MSFT', condition: 'above', price: 1e6, ttlSeconds: 1 })).json<Alert>();
    expect(Date.parse(timed.expiresAt) - Date.parse(timed.createdAt)).toBeGreaterThanOrEqual(990);
    expect((await app.inject({ method: 'GET', url: `/api/v1/alerts/${timed.id}` })).json()).toMatchObject({ status: 'active' });
    await sleep(1100);
    expect((await app.inject({ method: 'GET', url: `/api/v1/alerts/${timed.id}` })).json()).toMatchObject({ status: 'expired', endedAt: timed.expiresAt });
  });

  it('fires on the next price update that crosses it, and only once; an alert already true at registration is refused (409)', async () => {
    const price = await priceOf(app, 'AAPL');
    const below = (await post(app, { symbol: 'AAPL', condition: 'below', price: price / 2 })).json<Alert>();
    const alert = (await post(app, { symbol: 'AAPL', condition: 'above', price: Math.round(price * 150) / 100 })).json<Alert>();
    // Already above half the price: refused with the current price, never stored nor fired.
    const already = await post(app, { symbol: 'AAPL', condition: 'above', price: price / 2 });
    expect(already.statusCode).toBe(409);
    expect(already.json()).toMatchObject({ error: 'ALERT_ALREADY_TRIGGERED', message: expect.stringContaining(`AAPL is at ${price}, already above ${price / 2}`) });
    await app.get(AlertFiring).whenIdle();
    expect((await app.inject({ method: 'GET', url: `/api/v1/alerts/${alert.id}` })).json()).toMatchObject({ status: 'active' });

    await pastCreation(alert);
    // The provider's quote has not moved: nothing fires.
    expect(await app.get(AlertPricePoller).poll()).toEqual(['AAPL']);
    expect((await app.inject({ method: 'GET', url: `/api/v1/alerts/${alert.id}` })).json()).toMatchObject({ status: 'active' });
    await quoteAt(app, 'AAPL', price * 2);
    expect((await app.inject({ method: 'GET', url: `/api/v1/alerts/${alert.id}` })).json()).toMatchObject({ status: 'fired', firedPrice: price * 2 });
    expect((await app.inject({ method: 'GET', url: `/api/v1/alerts/${below.id}` })).json()).toMatchObject({ status: 'active' });
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^mc_alerts_registered_total 2$/m);
    expect(metrics).toMatch(/^mc_alerts_fired_total 1$/m);
    await quoteAt(app, 'AAPL', price * 3);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(/^mc_alerts_fired_total 1$/m);
  });

  it('delivers to an SSE stream of the same process when Redis is off', async () => {
    await app.listen(0, '127.0.0.1');
    const client = await SseClient.connect(`${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/api/v1/alerts/stream`);
    try {
      await client.waitFor(() => client.comments.some((c) => c.startsWith('connected')), 5000, 'the connected comment');
      const price = await priceOf(app, 'JPM');
      const alert = (await post(app, { symbol: 'JPM', condition: 'below', price: Math.round(price * 50) / 100 })).json<Alert>();
      await pastCreation(alert);
      await quoteAt(app, 'JPM', price / 4);
      await client.waitFor(() => client.events.length > 0, 5000, 'the alert');
      expect(client.dataOf<AlertNotification>('alert')).toMatchObject([{ alertId: alert.id, symbol: 'JPM', condition: 'below' }]);
    } finally {
      client.close();
    }
  });
});

describe('price alerts across two replicas sharing one Redis', () => {
  let redis: RedisServer;
  const apps: NestFastifyApplication[] = [];
  const clients: SseClient[] = [];
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterEach(async () => {
    clients.splice(0).forEach((client) => client.close());
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  });
  afterAll(async () => {
    await redis.stop();
  });

  /** Two listening replicas on one Redis and prefix; resolves once both reach Redis and hear the alert channel. */
  async function twoReplicas(): Promise<{ a: NestFastifyApplication; b: NestFastifyApplication; urlOf: (app: NestFastifyApplication) => string }> {
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      REDIS_ENABLED: 'true',
      REDIS_URL: redis.url,
      REDIS_PREFIX: `al${Math.random().toString(36).slice(2, 8)}:`,
      CACHE_L2_TIMEOUT_MS: '1000',
      // Polls are triggered by the test, never by a timer.
      ALERTS_POLL_INTERVAL_MS: '0',
      ALERTS_SSE_HEARTBEAT_MS: '200',
      ALERTS_WEBHOOK_BACKOFF_MS: '100',
      ALERTS_WEBHOOK_ALLOWED_HOSTS: 'localhost,127.0.0.1',
      SHUTDOWN_GRACE_MS: '30000',
    };
    const urls = new Map<NestFastifyApplication, string>();
    for (let i = 0; i < 2; i++) {
      const { app } = await createApp(env);
      apps.push(app);
      await app.listen(0, '127.0.0.1');
      urls.set(app, await app.getUrl());
      const connection = app.get(RedisConnection);
      await waitUntil(() => connection.remote?.available === true && app.get(AlertChannel).subscribed, 10_000);
    }
    return { a: apps[0], b: apps[1], urlOf: (app) => (urls.get(app) as string).replace('[::1]', '127.0.0.1') };
  }

  async function stream(url: string): Promise<SseClient> {
    const client = await SseClient.connect(url);
    clients.push(client);
    await client.waitFor(() => client.comments.some((c) => c.startsWith('connected')), 5000, 'the connected comment');
    return client;
  }

  it('an alert registered on A fires once, reaches SSE streams on B and A, and its webhook once after a retry', async () => {
    const { a, b, urlOf } = await twoReplicas();
    const hook = await WebhookReceiver.start([500]);
    receivers.push(hook);
    const onB = await stream(`${urlOf(b)}/api/v1/alerts/stream?symbol=aapl`);
    const onA = await stream(`${urlOf(a)}/api/v1/alerts/stream`);
    const otherSymbolOnB = await stream(`${urlOf(b)}/api/v1/alerts/stream?symbol=MSFT`);
    expect(onB.status).toBe(200);
    expect(onB.headers?.['content-type']).toMatch(/^text\/event-stream/);
    expect(onB.headers?.['x-cache']).toBeUndefined();

    const price = await priceOf(a, 'AAPL');
    const created = await post(a, { symbol: 'AAPL', condition: 'above', price: Math.round(price * 150) / 100, webhookUrl: hook.url });
    expect(created.statusCode).toBe(201);
    const alert = created.json<Alert>();
    // B sees the alert A stored.
    expect((await b.inject({ method: 'GET', url: `/api/v1/alerts/${alert.id}` })).json()).toEqual(alert);

    await pastCreation(alert);
    // Both replicas get a crossing quote at once: both see the crossing, one fires.
    const polledAt = performance.now();
    await Promise.all([quoteAt(a, 'AAPL', price * 2), quoteAt(b, 'AAPL', price * 2)]);
    await onB.waitFor(() => onB.events.length > 0, 5000, 'the alert on B');
    figures.pollToSseOnBMs = Math.round(performance.now() - polledAt);
    await onA.waitFor(() => onA.events.length > 0, 5000, 'the alert on A');
    await waitUntil(() => hook.received.length >= 2, 10_000);
    // Anything duplicated would arrive within this.
    await sleep(700);

    const [notification] = onB.dataOf<AlertNotification>('alert');
    expect(onB.events).toHaveLength(1);
    expect(onB.events[0]).toMatchObject({ event: 'alert', id: expect.stringMatching(/^\d+-\d+$/) });
    expect(notification).toMatchObject({ alertId: alert.id, symbol: 'AAPL', condition: 'above', threshold: alert.price, referencePrice: alert.referencePrice });
    expect(notification.price).toBeGreaterThanOrEqual(alert.price as number);
    expect(onA.dataOf('alert')).toEqual([notification]);
    expect(otherSymbolOnB.events).toEqual([]);

    // The webhook: one failure (500), one retry, then never again.
    expect(hook.received.map((r) => r.status)).toEqual([500, 200]);
    expect(hook.received.map((r) => JSON.parse(r.body))).toEqual([notification, notification]);
    expect(hook.received[0].headers['x-alert-id']).toBe(alert.id);
    figures.webhookRetryGapMs = Math.round(hook.received[1].at - hook.received[0].at);
    expect(hook.received[1].at - hook.received[0].at).toBeGreaterThanOrEqual(90);

    for (const app of [a, b]) expect((await app.inject({ method: 'GET', url: `/api/v1/alerts/${alert.id}` })).json()).toMatchObject({ status: 'fired', firedPrice: notification.price, firedAt: notification.firedAt });
    const metric = async (app: NestFastifyApplication, name: string) =>
      Number(new RegExp(`^${name} (\\S+)$`, 'm').exec((await app.inject({ method: 'GET', url: '/metrics' })).body)?.[1] ?? 0);
    expect((await metric(a, 'mc_alerts_fired_total')) + (await metric(b, 'mc_alerts_fired_total'))).toBe(1);
    expect((await metric(a, 'mc_alerts_delivered_total\\{channel="webhook"\\}')) + (await metric(b, 'mc_alerts_delivered_total\\{channel="webhook"\\}'))).toBe(1);
    expect(await metric(b, 'mc_alerts_sse_clients')).toBe(2);
    expect(onB.comments.some((c) => c.startsWith('heartbeat'))).toBe(true);
  }, 60_000);

  it('many alerts checked by both replicas at the same moment each fire exactly once', async () => {
    const { a, b } = await twoReplicas();
    const price = await priceOf(a, 'NVDA');
    const ids = new Set<string>();
    // Not crossed by the provider's quotes (each registration fetches one): only the quote below crosses them.
    for (let i = 0; i < 25; i++) ids.add((await post(i % 2 ? a : b, { symbol: 'NVDA', condition: 'below', price: Math.round(price * 50) / 100 })).json<Alert>().id);
    await Promise.all([a.get(AlertFiring).whenIdle(), b.get(AlertFiring).whenIdle()]);
    expect((await b.inject({ method: 'GET', url: `/api/v1/alerts/${[...ids][0]}` })).statusCode).toBe(200);

    const quote: Quote = { ...(await a.inject({ method: 'GET', url: '/api/v1/market/prices/NVDA' })).json<Quote>(), price: Math.round(price * 25) / 100 };
    const update = { quote, receivedAt: new Date() };
    const perCheck = await Promise.all([a.get(AlertFiring).evaluate([update]), b.get(AlertFiring).evaluate([update]), a.get(AlertFiring).evaluate([update])]);

    expect(perCheck.flat().map((n) => n.alertId).sort()).toEqual([...ids].sort());
    expect(await b.get(AlertFiring).evaluate([update])).toEqual([]);
    figures.raceFiredPerCheck = perCheck.map((fired) => fired.length).join('/');

    // Expiry in Redis: registered on A, gone on B once its time has passed.
    const timed = (await post(a, { symbol: 'NVDA', condition: 'above', price: 1e6, ttlSeconds: 1 })).json<Alert>();
    expect((await b.inject({ method: 'GET', url: `/api/v1/alerts/${timed.id}` })).json()).toMatchObject({ status: 'active' });
    await sleep(1100);
    expect((await b.inject({ method: 'GET', url: `/api/v1/alerts/${timed.id}` })).json()).toMatchObject({ status: 'expired' });
  }, 60_000);

  it('ends every SSE stream with a shutdown event when a replica stops, without waiting out the grace period', async () => {
    const { b, urlOf } = await twoReplicas();
    const streams = [await stream(`${urlOf(b)}/api/v1/alerts/stream`), await stream(`${urlOf(b)}/api/v1/alerts/stream?symbol=AAPL`)];

    const started = performance.now();
    await b.close();
    apps.splice(apps.indexOf(b), 1);
    const closeMs = performance.now() - started;
    figures.closeWithTwoStreamsMs = Math.round(closeMs);

    for (const client of streams) {
      expect(await client.ended).toBe('end');
      expect(client.events.at(-1)).toEqual({ event: 'shutdown', id: undefined, data: '{}' });
    }
    // SHUTDOWN_GRACE_MS is 30 s: open streams would have held the close that long.
    expect(closeMs).toBeLessThan(10_000);
  }, 60_000);
});
