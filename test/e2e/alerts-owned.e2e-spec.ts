import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createClient } from '@redis/client';
import { AlertChannel } from '../../src/alerts/alert-channel';
import { AlertFiring } from '../../src/alerts/alert-firing.service';
import { AlertPricePoller } from '../../src/alerts/alert-price-poller.service';
import type { Alert, AlertNotification } from '../../src/alerts/alert-rules';
import { AlertStore } from '../../src/alerts/alert-store';
import { AlertStreamHub } from '../../src/alerts/alert-stream.hub';
import { createApp } from '../../src/bootstrap';
import { RedisConnection } from '../../src/cache';
import type { Quote } from '../../src/market-data/market-data.types';
import { PriceFeed } from '../../src/market-data/price-feed';
import { waitUntil } from '../support/cache.builder';
import { RedisServer } from '../support/redis-server';
import { SseClient } from '../support/sse-client';

/**
 * Alerts that belong to their caller and lose nothing, through the real app (listening replicas,
 * real SSE clients and raw sockets), on memory and on a private redis-server shared by two
 * replicas: ownership of reads, deletes and streams; caps on alerts and streams (429 + Retry-After);
 * slow readers cut; HEAD on the stream; required, bounded expiry; quarantine of a record that does
 * not parse; the fired status and its history; Last-Event-ID replay from the bounded event log.
 */

const figures: Record<string, string | number> = {};
afterAll(() => console.log(`alerts-owned e2e figures: ${JSON.stringify(figures)}`));

const KEYS = { alice: 'alice-secret-0000000001', bob: 'bob-secret-00000000001', ops: 'ops-secret-00000000001' } as const;
type Who = keyof typeof KEYS;
const CREDENTIALS = `alice:alerts:${KEYS.alice},bob:alerts:${KEYS.bob},ops:admin:${KEYS.ops}`;
const as = (who: Who) => ({ 'x-api-key': KEYS[who] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Replica {
  app: NestFastifyApplication;
  url: string;
  /** Where its alerts live in Redis: `{REDIS_PREFIX}state:{alerts}:`. */
  alertKeys: string;
}

const apps: NestFastifyApplication[] = [];
const clients: SseClient[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  clients.splice(0).forEach((client) => client.close());
  sockets.splice(0).forEach((socket) => socket.destroy());
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** `count` listening replicas on one prefix (and Redis when given); resolves once they reach Redis and hear the alert channel. */
async function replicas(count: number, redis: RedisServer | undefined, env: Record<string, string> = {}): Promise<Replica[]> {
  const shared = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    REDIS_ENABLED: redis ? 'true' : 'false',
    ...(redis ? { REDIS_URL: redis.url } : {}),
    REDIS_PREFIX: `ao${Math.random().toString(36).slice(2, 8)}:`,
    CACHE_L2_TIMEOUT_MS: '1000',
    CLIENT_CREDENTIALS: CREDENTIALS,
    ALERTS_POLL_INTERVAL_MS: '0',
    ALERTS_SSE_HEARTBEAT_MS: '60000',
    ...env,
  };
  const started: Replica[] = [];
  for (let i = 0; i < count; i++) {
    const { app } = await createApp(shared);
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    if (redis) await waitUntil(() => app.get(RedisConnection).remote?.available === true && app.get(AlertChannel).subscribed, 10_000);
    started.push({ app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1'), alertKeys: `${shared.REDIS_PREFIX}state:{alerts}:` });
  }
  return started;
}

const post = (app: NestFastifyApplication, who: Who, payload: object) =>
  app.inject({ method: 'POST', url: '/api/v1/alerts', headers: as(who), payload: 'expiresAt' in payload || 'ttlSeconds' in payload ? payload : { ttlSeconds: 3600, ...payload } });
const read = (app: NestFastifyApplication, who: Who, id: string) => app.inject({ method: 'GET', url: `/api/v1/alerts/${id}`, headers: as(who) });
const priceOf = async (app: NestFastifyApplication, symbol: string) => (await app.inject({ method: 'GET', url: `/api/v1/market/prices/${symbol}` })).json<Quote>();

/** A provider quote at `price` reaches the replica's price feed and has been checked (the synthetic quote stands still within a minute). */
async function quoteAt(app: NestFastifyApplication, symbol: string, price: number): Promise<void> {
  const quote = await priceOf(app, symbol);
  app.get(PriceFeed).publish({ ...quote, price });
  await app.get(AlertFiring).whenIdle();
}

async function stream(url: string, headers: Record<string, string>): Promise<SseClient> {
  const client = await SseClient.connect(url, headers);
  clients.push(client);
  if (client.status === 200) await client.waitFor(() => client.comments.some((c) => c.startsWith('connected')), 5000, 'the connected comment');
  return client;
}

async function pastCreation(alert: { createdAt: string }): Promise<void> {
  while (Date.now() <= Date.parse(alert.createdAt)) await sleep(1);
}

/** A series' value (`name` may hold escaped labels), or the sum over every label set of `name`. */
async function metric(app: NestFastifyApplication, name: string): Promise<number> {
  const text = (await app.inject({ method: 'GET', url: '/metrics', headers: as('ops') })).body;
  const exact = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (exact) return Number(exact[1]);
  return [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe.each(['memory', 'redis'] as const)('alerts owned by their caller (%s)', (backend) => {
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    if (backend === 'redis') redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  // On Redis: registered and fired on A, read and streamed on B.
  const two = async (env?: Record<string, string>) => {
    const started = await replicas(backend === 'redis' ? 2 : 1, redis, env);
    return { a: started[0], b: started[started.length - 1] };
  };

  it('a caller reads, deletes and streams only its own alerts; an admin sees all', async () => {
    const { a, b } = await two();
    const { price } = await priceOf(a.app, 'AAPL');
    const onAlice = await stream(`${b.url}/api/v1/alerts/stream`, as('alice'));
    const onBob = await stream(`${b.url}/api/v1/alerts/stream`, as('bob'));
    const onOps = await stream(`${b.url}/api/v1/alerts/stream`, as('ops'));
    const mine = (await post(a.app, 'alice', { symbol: 'AAPL', condition: 'above', price: Math.round(price * 150) / 100 })).json<Alert>();
    const theirs = (await post(a.app, 'bob', { symbol: 'AAPL', condition: 'above', price: Math.round(price * 150) / 100 })).json<Alert>();
    expect([mine.owner, theirs.owner]).toEqual(['alice', 'bob']);

    expect((await read(b.app, 'alice', mine.id)).json()).toEqual(mine);
    for (const response of [await read(b.app, 'bob', mine.id), await b.app.inject({ method: 'DELETE', url: `/api/v1/alerts/${mine.id}`, headers: as('bob') })]) {
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ error: 'NOT_FOUND', message: `No alert ${mine.id}` });
    }
    expect((await read(b.app, 'ops', mine.id)).json()).toEqual(mine);

    await pastCreation(theirs);
    await quoteAt(a.app, 'AAPL', price * 2);
    await onOps.waitFor(() => onOps.events.length >= 2, 5000, 'both alerts on the admin stream');
    await onAlice.waitFor(() => onAlice.events.length >= 1, 5000, "alice's alert");
    await onBob.waitFor(() => onBob.events.length >= 1, 5000, "bob's alert");
    await sleep(200);
    expect(onAlice.dataOf<AlertNotification>('alert').map((n) => n.alertId)).toEqual([mine.id]);
    expect(onBob.dataOf<AlertNotification>('alert').map((n) => n.alertId)).toEqual([theirs.id]);
    expect(onOps.dataOf<AlertNotification>('alert').map((n) => n.alertId).sort()).toEqual([mine.id, theirs.id].sort());
    // Fired, with when and at what price; still only for its owner.
    expect((await read(b.app, 'alice', mine.id)).json()).toMatchObject({ status: 'fired', firedPrice: price * 2, firedAt: expect.any(String) });
    expect((await read(b.app, 'bob', mine.id)).statusCode).toBe(404);
  }, 60_000);

  it('caps active alerts per caller and in all: 429 ALERT_LIMIT_REACHED with Retry-After; a deleted alert frees its slot', async () => {
    const { a, b } = await two({ ALERTS_MAX_PER_CALLER: '2', ALERTS_MAX_TOTAL: '3' });
    const { price } = await priceOf(a.app, 'MSFT');
    const payload = { symbol: 'MSFT', condition: 'below', price: Math.round(price * 50) / 100 };
    const first = (await post(a.app, 'alice', payload)).json<Alert>();
    expect((await post(b.app, 'alice', payload)).statusCode).toBe(201);
    const over = await post(a.app, 'alice', payload);
    expect(over.statusCode).toBe(429);
    expect(over.headers['retry-after']).toBe('60');
    expect(over.json()).toMatchObject({ error: 'ALERT_LIMIT_REACHED', message: expect.stringContaining('ALERTS_MAX_PER_CALLER') });
    expect((await post(b.app, 'bob', payload)).statusCode).toBe(201);
    const full = await post(a.app, 'ops', payload);
    expect(full.statusCode).toBe(429);
    expect(full.json()).toMatchObject({ error: 'ALERT_LIMIT_REACHED', message: expect.stringContaining('ALERTS_MAX_TOTAL') });

    expect((await b.app.inject({ method: 'DELETE', url: `/api/v1/alerts/${first.id}`, headers: as('alice') })).statusCode).toBe(204);
    expect((await read(a.app, 'alice', first.id)).json()).toMatchObject({ status: 'deleted', endedAt: expect.any(String) });
    expect((await post(a.app, 'alice', payload)).statusCode).toBe(201);
  }, 60_000);

  it('Last-Event-ID replays what the caller missed (its own alerts only), then the live ones', async () => {
    const { a, b } = await two();
    const { price } = await priceOf(a.app, 'NVDA');
    const payload = { symbol: 'NVDA', condition: 'above', price: Math.round(price * 150) / 100 };
    const live = await stream(`${a.url}/api/v1/alerts/stream`, as('alice'));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await post(a.app, 'alice', payload)).json<Alert>().id);
    const bobs = (await post(a.app, 'bob', payload)).json<Alert>();
    await pastCreation(bobs);
    await quoteAt(a.app, 'NVDA', price * 2);
    await live.waitFor(() => live.events.length >= 3, 5000, 'three alerts');
    expect(live.dataOf<AlertNotification>('alert').map((n) => n.alertId).sort()).toEqual([...ids].sort());
    const eventIds = live.events.map((e) => e.id as string);
    expect(eventIds.every((id) => /^\d+-\d+$/.test(id))).toBe(true);
    live.close();

    // Reconnects (to the other replica) with the first event's id: the two after it, not bob's.
    const resumed = await stream(`${b.url}/api/v1/alerts/stream`, { ...as('alice'), 'last-event-id': eventIds[0] });
    await resumed.waitFor(() => resumed.events.length >= 2, 5000, 'the replay');
    await sleep(200);
    expect(resumed.events.map((e) => e.id)).toEqual(eventIds.slice(1));
    // A stream opened after the firings catches up from the start of the log.
    const late = await stream(`${b.url}/api/v1/alerts/stream?lastEventId=0-0`, as('alice'));
    await late.waitFor(() => late.events.length >= 3, 5000, 'the whole replay');
    expect(late.events.map((e) => e.id)).toEqual(eventIds);
    expect(await metric(b.app, 'mc_alerts_sse_replayed_total')).toBe(5);

    // Live events follow the replay.
    const next = (await post(a.app, 'alice', payload)).json<Alert>();
    await pastCreation(next);
    await quoteAt(a.app, 'NVDA', price * 2);
    await resumed.waitFor(() => resumed.events.length >= 3, 5000, 'the live event after the replay');
    expect(resumed.dataOf<AlertNotification>('alert').at(-1)?.alertId).toBe(next.id);
  }, 60_000);
});

describe('alerts on Redis: a record that does not parse', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('is quarantined, counted and logged once; GET answers 410; the poll goes on and the other alerts fire', async () => {
    const [{ app, alertKeys: prefix }] = await replicas(1, redis);
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const { price } = await priceOf(app, 'AAPL');
      const good = (await post(app, 'alice', { symbol: 'AAPL', condition: 'above', price: Math.round(price * 150) / 100 })).json<Alert>();
      // Garbage where the poll lists alerts, and a record whose definition does not parse.
      const listed = '0b7c1e52-4a55-4e63-9f7e-2f1d1b7f6c11';
      const record = '1c8d2f63-5b66-4f74-8a8f-3a2e2c8a7d22';
      await client.hSet(`${prefix}live`, listed, '{"id": "0b7c1e52-4a55-4e63-9f7e-2f1d1b7f6c11", "symbol": ');
      await client.hSet(`${prefix}a:${record}`, { def: 'not json', owner: 'alice', status: 'active', expiresAt: String(Date.now() + 60_000) });
      // A listed alert (same symbol, crossed too) whose record is not even a hash.
      const wrongType = { ...good, id: '2d9e3a74-6c77-4a85-9b90-4b3f3d9b8e33' };
      await client.hSet(`${prefix}live`, wrongType.id, JSON.stringify(wrongType));
      await client.set(`${prefix}a:${wrongType.id}`, 'garbage');

      // The poll lists without failing (the bad entry is set aside) and polls the good alert's symbol.
      await pastCreation(good);
      expect(await app.get(AlertPricePoller).poll()).toEqual(['AAPL']);
      await quoteAt(app, 'AAPL', price * 2);
      expect((await read(app, 'alice', good.id)).json()).toMatchObject({ status: 'fired' });

      for (const id of [listed, record, wrongType.id]) {
        const response = await read(app, 'alice', id);
        expect(response.statusCode).toBe(410);
        expect(response.json()).toMatchObject({ error: 'ALERT_QUARANTINED' });
      }
      expect(Object.keys(await client.hGetAll(`${prefix}quarantine`)).sort()).toEqual([listed, record, wrongType.id].sort());
      expect(await client.hExists(`${prefix}live`, listed)).toBeFalsy();
      expect(await client.exists(`${prefix}a:${record}`)).toBe(0);
      // Once each, however often it is read again.
      await read(app, 'alice', record);
      await app.get(AlertPricePoller).poll();
      expect(await metric(app, 'mc_alerts_quarantined_total')).toBe(3);
    } finally {
      await client.close();
    }
  }, 60_000);
});

describe('alert streams: caps, slow readers, HEAD (memory)', () => {
  it('caps streams per caller and per replica: 429 STREAM_LIMIT_REACHED with Retry-After, nothing held', async () => {
    const [{ app, url }] = await replicas(1, undefined, { ALERTS_SSE_MAX_STREAMS: '5', ALERTS_SSE_MAX_PER_CALLER: '3' });
    const opened = [];
    for (let i = 0; i < 3; i++) opened.push(await stream(`${url}/api/v1/alerts/stream`, as('alice')));
    const perCaller = await stream(`${url}/api/v1/alerts/stream`, as('alice'));
    expect(perCaller.status).toBe(429);
    expect(perCaller.headers?.['retry-after']).toBe('5');
    expect(await perCaller.ended).toBe('end');
    for (let i = 0; i < 2; i++) opened.push(await stream(`${url}/api/v1/alerts/stream`, as('bob')));
    expect(opened.map((c) => c.status)).toEqual([200, 200, 200, 200, 200]);
    const sixth = await stream(`${url}/api/v1/alerts/stream`, as('ops'));
    expect(sixth.status).toBe(429);
    expect(await sixth.ended).toBe('end');
    expect(app.get(AlertStreamHub).size).toBe(5);
    expect(await metric(app, 'mc_alerts_sse_rejected_total\\{reason="caller"\\}')).toBe(1);
    expect(await metric(app, 'mc_alerts_sse_rejected_total\\{reason="total"\\}')).toBe(1);
    // A closed stream frees its place.
    opened[0].close();
    await waitUntil(() => app.get(AlertStreamHub).size === 4, 5000);
    expect((await stream(`${url}/api/v1/alerts/stream`, as('ops'))).status).toBe(200);
  }, 60_000);

  it('cuts a reader that does not read once its socket holds ALERTS_SSE_MAX_BUFFER_BYTES unsent; other streams go on', async () => {
    const [{ app, url }] = await replicas(1, undefined, { ALERTS_SSE_MAX_BUFFER_BYTES: '65536' });
    const hub = app.get(AlertStreamHub);
    const reader = await stream(`${url}/api/v1/alerts/stream`, as('alice'));
    const { port } = new URL(url);
    const slow = connect(Number(port), '127.0.0.1');
    sockets.push(slow);
    let closed = false;
    slow.on('close', () => (closed = true));
    slow.on('error', () => undefined);
    slow.write(`GET /api/v1/alerts/stream HTTP/1.1\r\nhost: 127.0.0.1\r\nx-api-key: ${KEYS.alice}\r\n\r\n`);
    // It never reads (the kernel's buffers fill, then the server's).
    slow.pause();
    await waitUntil(() => hub.size === 2, 5000);

    // Large notifications to alice, as many as it takes; the reader that reads keeps up.
    const big = 'x'.repeat(16 * 1024);
    let sent = 0;
    const started = performance.now();
    while (hub.size === 2 && sent < 2000) {
      hub.broadcast({ id: `${Date.now()}-${sent}`, owner: 'alice', notification: { alertId: `n${sent}`, symbol: 'AAPL', message: big } as AlertNotification });
      sent++;
      await new Promise((r) => setImmediate(r));
    }
    figures.slowReaderCutAfterEvents = sent;
    figures.slowReaderCutAfterMB = Math.round((sent * big.length) / 1e5) / 10;
    figures.slowReaderCutMs = Math.round(performance.now() - started);
    expect(hub.size).toBe(1);
    expect(await metric(app, 'mc_alerts_sse_dropped_total')).toBe(1);
    slow.resume();
    await waitUntil(() => closed, 5000);
    await reader.waitFor(() => reader.events.length === sent, 10_000, 'every event on the reading stream');
  }, 60_000);

  it('HEAD on the stream answers its headers at once, no body, and holds nothing', async () => {
    const [{ app, url }] = await replicas(1, undefined);
    const started = performance.now();
    const { status, headers, body } = await new Promise<{ status?: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = httpRequest(`${url}/api/v1/alerts/stream`, { method: 'HEAD', agent: false, headers: as('alice') }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.setTimeout(3000, () => req.destroy(new Error('HEAD held open')));
      req.end();
    });
    figures.headMs = Math.round(performance.now() - started);
    expect(status).toBe(200);
    expect(headers['content-type']).toMatch(/^text\/event-stream/);
    expect(body).toBe('');
    expect(app.get(AlertStreamHub).size).toBe(0);
  }, 30_000);

  it('requires an expiry of at most 30 days: 400 naming the field', async () => {
    const [{ app }] = await replicas(1, undefined);
    const base = { symbol: 'AAPL', condition: 'below', price: 1 };
    const cases: [object, string][] = [
      [base, 'expiresAt or ttlSeconds is required (at most 30 days)'],
      [{ ...base, expiresAt: '9999-12-31T00:00:00Z' }, 'expiresAt must be at most 30 days ahead'],
      [{ ...base, expiresAt: new Date(Date.now() + 31 * 86_400_000).toISOString() }, 'expiresAt must be at most 30 days ahead'],
      [{ ...base, ttlSeconds: 30 * 86_400 + 1 }, 'ttlSeconds must be at most 2592000 (30 days)'],
    ];
    for (const [payload, message] of cases) {
      const response = await app.inject({ method: 'POST', url: '/api/v1/alerts', headers: as('alice'), payload });
      expect({ payload, status: response.statusCode, message: [response.json<{ message: string | string[] }>().message].flat() }).toEqual({ payload, status: 400, message: expect.arrayContaining([message]) });
    }
    const month = await app.inject({ method: 'POST', url: '/api/v1/alerts', headers: as('alice'), payload: { ...base, expiresAt: new Date(Date.now() + 29 * 86_400_000).toISOString() } });
    expect(month.statusCode).toBe(201);
  }, 30_000);
});

describe('figures under the caps', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('500 stream attempts hold at most the caps; fds and connections come back', async () => {
    const [{ app, url }] = await replicas(1, redis);
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    const attempts = await Promise.all(Array.from({ length: 500 }, (_, i) => SseClient.connect(`${url}/api/v1/alerts/stream`, as((['alice', 'bob', 'ops'] as const)[i % 3]))));
    clients.push(...attempts);
    const ok = attempts.filter((c) => c.status === 200).length;
    await Promise.all(attempts.filter((c) => c.status !== 200).map((c) => c.ended));
    await sleep(200);
    const server = app.getHttpServer() as { getConnections: (cb: (e: Error | null, n: number) => void) => void };
    const connections = await new Promise<number>((resolve) => server.getConnections((_, n) => resolve(n)));
    figures.streamAttempts = 500;
    figures.streamsHeld = ok;
    figures.serverConnectionsHeld = connections;
    // Both ends of every socket live in this process: two descriptors per held stream.
    figures.fdDeltaWhileHeld = fds() - before;
    expect(ok).toBe(15);
    expect(connections).toBe(15);
    attempts.forEach((c) => c.close());
    await waitUntil(() => app.get(AlertStreamHub).size === 0, 5000);

    // Callers with room to spare: the replica's cap (ALERTS_SSE_MAX_STREAMS, 200) holds.
    const [wide] = await replicas(1, redis, { ALERTS_SSE_MAX_PER_CALLER: '1000' });
    const fdsBefore = fds();
    const many = await Promise.all(Array.from({ length: 500 }, (_, i) => SseClient.connect(`${wide.url}/api/v1/alerts/stream`, as((['alice', 'bob', 'ops'] as const)[i % 3]))));
    clients.push(...many);
    await Promise.all(many.filter((c) => c.status !== 200).map((c) => c.ended));
    await sleep(200);
    figures.streamsHeldAtTotalCap = many.filter((c) => c.status === 200).length;
    figures.fdDeltaAtTotalCap = fds() - fdsBefore;
    expect(figures.streamsHeldAtTotalCap).toBe(200);
    expect(wide.app.get(AlertStreamHub).size).toBe(200);
  }, 60_000);

  it('one poll tick with 5,000 alerts (10 callers at the 500 cap): Redis commands and upstream calls', async () => {
    const [{ app }] = await replicas(1, redis, { ALERTS_MAX_TOTAL: '5000' });
    const store = app.get(AlertStore);
    // Symbols drawn from 2,000 of the universe (about the 1,880 distinct symbols for 5,000 alerts).
    const symbols = (await app.inject({ method: 'GET', url: '/api/v1/market/tickers?market=all' })).json<{ symbols: { symbol: string }[] }>().symbols.map((t) => t.symbol).slice(0, 2000);
    const createdAt = new Date(Date.now() - 1000).toISOString();
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < 5000; i++) {
      await store.add({
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        owner: `caller${i % 10}`,
        symbol: symbols[Math.floor(random() * symbols.length)],
        condition: 'above',
        price: 1e8,
        percent: null,
        referencePrice: 100,
        createdAt,
        expiresAt,
        webhookUrl: null,
      });
    }
    expect((await post(app, 'alice', { symbol: 'AAPL', condition: 'below', price: 1 })).json()).toMatchObject({ error: 'ALERT_LIMIT_REACHED' });
    const stats = createClient({ url: redis.url });
    await stats.connect();
    try {
      const perCommand = async () => new Map([...(await stats.info('commandstats')).matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].filter((m) => m[1] !== 'info').map((m) => [m[1], Number(m[2])]));
      const commands = async () => [...(await perCommand()).values()].reduce((a, b) => a + b, 0);
      const byCommand = await perCommand();
      const upstream = () => metric(app, 'mc_upstream_calls_total');
      const before = { commands: await commands(), upstream: await upstream(), cpu: process.cpuUsage() };
      const started = performance.now();
      const polled = await app.get(AlertPricePoller).poll();
      const ms = performance.now() - started;
      const cpu = process.cpuUsage(before.cpu);
      figures.pollAlerts = 5000;
      figures.pollSymbols = polled.length;
      figures.pollUpstreamCalls = (await upstream()) - before.upstream;
      figures.pollRedisCommands = (await commands()) - before.commands;
      const after = await perCommand();
      figures.pollRedisCommandsBy = [...after].map(([name, calls]) => `${name}=${calls - (byCommand.get(name) ?? 0)}`).filter((e) => !e.endsWith('=0')).join(' ');
      figures.pollMs = Math.round(ms);
      figures.pollCpuMs = Math.round((cpu.user + cpu.system) / 1000);
      expect(figures.pollUpstreamCalls).toBe(polled.length);
      // The next tick (the provider's per-symbol data already built once).
      const again = { commands: await commands(), upstream: await upstream(), cpu: process.cpuUsage(), at: performance.now() };
      await app.get(AlertPricePoller).poll();
      const cpu2 = process.cpuUsage(again.cpu);
      figures.poll2Ms = Math.round(performance.now() - again.at);
      figures.poll2CpuMs = Math.round((cpu2.user + cpu2.system) / 1000);
      figures.poll2UpstreamCalls = (await upstream()) - again.upstream;
      figures.poll2RedisCommands = (await commands()) - again.commands;
    } finally {
      await stats.close();
    }
  }, 300_000);
});
