import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fc from 'fast-check';
import { createApp } from '../../src/bootstrap';
import { MAX_BODY_DEPTH, MAX_BODY_FIELDS } from '../../src/common/body-shape';
import { fuzzRoutesOf, urlOf, type FuzzField, type FuzzRoute } from '../support/fuzz-routes';
import { RedisServer } from '../support/redis-server';
import { brokenEscape, contentType, hasLoneSurrogate, headerValue, hostileJsonValue, hostileString, percentEncode } from '../support/hostile-input';

// Fixed seed: a failure reproduces with the same inputs. FUZZ_SEED / FUZZ_RUNS (a multiplier) explore further.
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_123);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1);
const REQUEST_TIMEOUT_MS = 20_000;
// Per property: generous, for a loaded 2-core machine (each takes 1-25 s there).
const PROPERTY_TIMEOUT_MS = 120_000;
const ADMIN_KEY = 'fuzz-admin-key-5d1e09c2b7a4';
const BODY_LIMIT = 1024 * 1024;

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}
interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

let app: NestFastifyApplication;
let routes: FuzzRoute[];
const logLines: string[] = [];
/** The body fields a route's valid request carries. */
const baselineBody = new Map<FuzzRoute, FuzzField[]>();
/** How long each answer took, ms (printed: the figures of docs/RELIABILITY.md). */
const durations: number[] = [];
const statuses = new Map<number, number>();

/** Boots the real app on `env` (memory or a private Redis) and learns its routes and their valid requests. */
async function boot(env: Record<string, string>): Promise<void> {
  logLines.length = 0;
  baselineBody.clear();
  ({ app } = await createApp(
    {
      NODE_ENV: 'test',
      REDIS_ENABLED: 'false',
      LOG_LEVEL: 'error',
      ADMIN_API_KEY: ADMIN_KEY,
      ADMIN_RATE_LIMIT_PER_MINUTE: '100000',
      ADMIN_FAILED_AUTH_PER_MINUTE: '100000',
      WARMUP_ON_BOOT: 'false',
      WARMUP_CRON: 'off',
      WARMUP_SYMBOLS: 'AAPL,MSFT',
      REFRESH_AHEAD_INTERVAL_MS: '0',
      DISK_CACHE_ENABLED: 'false',
      ...env,
    },
    { logDestination: { write: (line: string) => void logLines.push(line) } },
  ));
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  routes = fuzzRoutesOf(app).map((route) => labelled(route, `${route.method} ${route.pattern}`));
  // Every body field at its example, or as many as are valid together (alerts: expiresAt or ttlSeconds, not both).
  for (const route of routes.filter((r) => r.body)) {
    const optional = route.body!.filter((f) => !f.required);
    // Subsets of the optional fields, largest first (2^n requests at worst; n is small).
    const subsets = Array.from({ length: 2 ** Math.min(optional.length, 8) }, (_, mask) => optional.filter((_, i) => mask & (1 << i))).reverse();
    subsets.sort((a, b) => b.length - a.length);
    for (const subset of subsets) {
      baselineBody.set(route, route.body!.filter((f) => f.required || subset.includes(f)));
      if ((await send(requestFor(route))).statusCode !== 400) break;
    }
  }
}

async function shutdown(backend: string): Promise<void> {
  await app?.close();
  const sorted = [...durations].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]?.toFixed(1);
  console.log(
    `bad input (${backend}): ${sorted.length} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}, ` +
      `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${sorted.at(-1)?.toFixed(1)} ms (seed ${SEED})`,
  );
  durations.length = 0;
  statuses.clear();
}

/** Counterexamples print as `label`, not as the whole object (a body may be 1 MiB). */
function labelled<T extends object>(value: T, label: string): T {
  return Object.defineProperty(value, fc.toStringMethod, { value: () => label });
}

const describeRequest = (r: Sent) => `${r.method} ${r.url.slice(0, 300)}${r.url.length > 300 ? `… (${r.url.length} chars)` : ''} ${JSON.stringify(r.headers)} ${r.payload === undefined ? '' : `body ${r.payload.slice(0, 200)}${r.payload.length > 200 ? `… (${r.payload.length} chars)` : ''}`}`;

type Streamed = { statusCode: number; headers: Record<string, unknown>; stream(): NodeJS.ReadableStream; raw: { res: { destroy(): void } } };

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Sends through the real app; no answer (headers and whole body) within REQUEST_TIMEOUT_MS fails
 * as a hang. An event stream that opened counts as an answer and is closed at once.
 */
async function send(request: Sent): Promise<Answer> {
  const started = performance.now();
  try {
    return await sendUntimed(request);
  } finally {
    durations.push(performance.now() - started);
  }
}

async function sendUntimed(request: Sent): Promise<Answer> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms: ${describeRequest(request)}`)), REQUEST_TIMEOUT_MS);
  });
  try {
    const response = (await Promise.race([app.inject({ ...request, method: request.method as 'GET', payloadAsStream: true }), hang])) as unknown as Streamed;
    if (String(response.headers['content-type']).startsWith('text/event-stream')) {
      response.raw.res.destroy();
      return { statusCode: response.statusCode, headers: response.headers, body: '' };
    }
    return { statusCode: response.statusCode, headers: response.headers, body: await Promise.race([readAll(response.stream()), hang]) };
  } finally {
    clearTimeout(timer);
  }
}

function fail(request: Sent, answer: Answer, why: string): never {
  throw new Error(`${why}\n  request: ${describeRequest(request)}\n  answer: ${answer.statusCode} ${answer.body.slice(0, 400)}`);
}

/**
 * Never a 5xx the route does not document (a documented one: a 503 while the Redis it needs is
 * away); every error is an `ErrorBody` whose message says something. Returns the message, joined.
 */
function expectSaneAnswer(route: FuzzRoute, request: Sent, answer: Answer): string {
  statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
  if (answer.statusCode >= 500 && !route.documented5xx.includes(answer.statusCode)) fail(request, answer, `an undocumented ${answer.statusCode} for client input`);
  if (answer.statusCode < 400) return '';
  // The dashboard page answers 401/503 with its HTML key form: for a person, not a program.
  if ([401, 503].includes(answer.statusCode) && String(answer.headers['content-type']).startsWith('text/html')) return '';
  let body: { statusCode?: unknown; error?: unknown; message?: unknown; requestId?: unknown };
  try {
    body = JSON.parse(answer.body);
  } catch {
    fail(request, answer, 'an error whose body is not JSON');
  }
  const message = Array.isArray(body.message) ? body.message : [body.message];
  if (body.statusCode !== answer.statusCode) fail(request, answer, 'statusCode in the body differs from the status');
  if (typeof body.error !== 'string' || body.error === '') fail(request, answer, 'no error code');
  if (message.length === 0 || !message.every((m) => typeof m === 'string' && m.trim() !== '')) fail(request, answer, 'no message');
  if (typeof body.requestId !== 'string' || body.requestId === '' || body.requestId !== answer.headers['x-request-id']) fail(request, answer, 'requestId missing or not the x-request-id header');
  return (message as string[]).join(' | ');
}

const authFor = (route: FuzzRoute): Record<string, string> => (route.admin ? { 'x-api-key': ADMIN_KEY } : {});

/** A documented field's valid value as it goes into a URL. */
const encodeValid = (field: FuzzField) => encodeURIComponent(String(field.valid));

type Where = 'path' | 'query' | 'body';

/**
 * The request the docs describe as valid (every required field at its example), or that request
 * with one field replaced: `raw` is text for a path or query field, JSON text for a body field.
 */
function requestFor(route: FuzzRoute, replace?: { where: Where; field: FuzzField; raw: string }): Sent {
  const replaced = (where: Where, field: FuzzField) => replace !== undefined && replace.where === where && replace.field === field;
  const pathValues = Object.fromEntries(route.pathParams.map((f) => [f.name, replaced('path', f) ? percentEncode(replace!.raw) : encodeValid(f)]));
  const query = route.query
    .filter((f) => f.required || replaced('query', f))
    .map((f) => `${f.name}=${replaced('query', f) ? percentEncode(replace!.raw) : encodeValid(f)}`)
    .join('&');
  const request: Sent = { method: route.method, url: urlOf(route, pathValues, query), headers: authFor(route) };
  if (route.body) {
    request.headers['content-type'] = 'application/json';
    const members = route.body
      .filter((f) => baselineBody.get(route)?.includes(f) || replaced('body', f))
      .map((f) => `${JSON.stringify(f.name)}:${replaced('body', f) ? replace!.raw : JSON.stringify(f.valid)}`);
    request.payload = `{${members.join(',')}}`;
  }
  return request;
}

/** A field's name as a message may say it: `policies` also as `policy` ("each policy must be …"). */
const namesOf = (name: string) => [name.toLowerCase(), name.toLowerCase().replace(/ies$/, 'y').replace(/s$/, '')];

async function assertProperty<T>(arbitrary: fc.Arbitrary<T>, numRuns: number, predicate: (value: T) => Promise<void>): Promise<void> {
  try {
    await fc.assert(fc.asyncProperty(arbitrary, predicate), { seed: SEED, numRuns });
  } catch (error) {
    // fast-check's message holds seed, path and counterexample (cut: a body may be 1 MiB); say how to rerun.
    const message = (error as Error).message;
    const cause = (error as { cause?: Error }).cause?.message ?? message.slice(message.indexOf('Got error'));
    throw new Error(`[reproduce: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}] ${message.slice(0, 1_500)}\n${cause.slice(0, 2_000)}`);
  }
}

// The full run on memory (hermetic); a shorter one on a private Redis, so hostile keys and values also reach L2 and the Redis-backed stores.
describe.each([
  { backend: 'memory', scale: 1 },
  { backend: 'a private Redis', scale: 0.25 },
])('bad input on every route (fast-check over the real app, $backend)', ({ backend, scale }) => {
  let redis: RedisServer | undefined;
  const runs = (n: number) => Math.max(1, Math.round(n * RUNS * scale));

  beforeAll(async () => {
    if (backend === 'memory') return boot({});
    redis = await RedisServer.start();
    await boot({ REDIS_ENABLED: 'true', REDIS_URL: redis.url, REDIS_PREFIX: `fuzz${Math.random().toString(36).slice(2, 7)}:` });
  });
  afterAll(async () => {
    await shutdown(backend);
    await redis?.stop();
  });

  it('knows every route the app serves, from its router and its OpenAPI document', () => {
    const keys = routes.map((r) => `${r.method} ${r.pattern}`);

    expect(keys).toEqual(expect.arrayContaining(['GET /api/v1/market/prices/:symbol', 'POST /api/v1/scans', 'DELETE /api/v1/admin/cache/keys', 'GET /metrics', 'GET /health']));
    expect(routes.find((r) => r.pattern === '/api/v1/portfolio/analyze')?.body?.map((f) => f.name)).toContain('holdings');
    expect(routes.find((r) => r.pattern === '/api/v1/admin/cache/keys')?.admin).toBe(true);
  });

  it('answers the documented example request of every route without an error (so the fuzzing below starts from valid input)', async () => {
    for (const route of routes) {
      const request = requestFor(route);
      const answer = await send(request);
      // 404: an example id (warmup run) that this instance never issued.
      if (answer.statusCode >= 400 && answer.statusCode !== 404) fail(request, answer, 'the documented example is refused');
    }
  });

  it('hostile path parameters, query strings and headers: never a 5xx, never a hang, every error an ErrorBody', async () => {
    const pair = (route: FuzzRoute) =>
      fc.tuple(
        fc.oneof(fc.constantFrom(...route.query.map((f) => f.name), 'x'), hostileString.filter((s) => s.length < 100)),
        fc.oneof({ weight: 5, arbitrary: hostileString.map(percentEncode) }, { weight: 1, arbitrary: brokenEscape }),
      );
    const request = fc.constantFrom(...routes).chain((route) =>
      fc.record({
        route: fc.constant(route),
        path: fc.tuple(...route.pathParams.map(() => fc.oneof({ weight: 5, arbitrary: hostileString.map(percentEncode) }, { weight: 1, arbitrary: brokenEscape }))),
        query: fc.array(pair(route), { maxLength: 4 }),
        headers: fc.dictionary(fc.constantFrom('x-request-id', 'if-none-match', 'accept', 'accept-language', 'x-forwarded-for', 'cookie'), headerValue, { maxKeys: 3 }),
      }),
    );

    await assertProperty(request, runs(300), async ({ route, path, query, headers }) => {
      const pathValues = Object.fromEntries(route.pathParams.map((f, i) => [f.name, path[i]]));
      // The valid body, if any: without one a scan would cover the whole universe (seconds, not the point here).
      const sent: Sent = { ...requestFor(route), url: urlOf(route, pathValues, query.map(([k, v]) => `${percentEncode(k)}=${v}`).join('&')) };
      sent.headers = { ...headers, ...sent.headers };
      expectSaneAnswer(route, sent, await send(sent));
    });
  }, PROPERTY_TIMEOUT_MS);

  it('one documented field at a time made hostile: a 4xx that names the field (or the value is accepted), never a 5xx', async () => {
    const targets = routes.flatMap((route) => [
      ...route.pathParams.map((field) => ({ route, field, where: 'path' as Where })),
      ...route.query.map((field) => ({ route, field, where: 'query' as Where })),
      ...(route.body ?? []).map((field) => ({ route, field, where: 'body' as Where })),
    ]);
    const mutation = fc.constantFrom(...targets.map((t) => labelled(t, `${t.route.method} ${t.route.pattern} ${t.where} ${t.field.name}`))).chain((target) =>
      fc.record({ target: fc.constant(target), value: target.where === 'body' ? hostileJsonValue : hostileString }),
    );

    await assertProperty(mutation, runs(400), async ({ target: { route, field, where }, value }) => {
      const sent = requestFor(route, { where, field, raw: value });
      const answer = await send(sent);
      const message = expectSaneAnswer(route, sent, answer);
      if (answer.statusCode !== 400) return;
      const named =
        namesOf(field.name).some((name) => message.toLowerCase().includes(name)) ||
        // A lone surrogate cannot be sent as UTF-8: the router refuses the URL itself.
        (where !== 'body' && hasLoneSurrogate(value) && /URL is not valid/.test(message)) ||
        // A value nested past the depth cap (or with too many keys) is refused as a whole body.
        (where === 'body' && /nests deeper|fields \(object keys/.test(message));
      if (!named) fail(sent, answer, `a 400 whose message does not name the field "${field.name}"`);
    });
  }, PROPERTY_TIMEOUT_MS);

  it('hostile bodies and wrong content types on every route that reads a body: the right 4xx, naming the problem', async () => {
    type Case = { kind: string; text: string; status?: number; message?: RegExp };
    const asJson = (kind: string, text: string, status?: number, message?: RegExp): Case =>
      labelled({ kind, text, status, message }, `${kind}: ${text.slice(0, 80)}${text.length > 80 ? `… (${text.length} chars)` : ''}`);
    const body: fc.Arbitrary<Case> = fc.oneof(
      fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }).map((v) => asJson('an array', JSON.stringify(v), 400, /must be a JSON object, not an array/)),
      fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.integer()).map((v) => asJson('a scalar', JSON.stringify(v) ?? '0', 400, /must be a JSON object, not a (string|number|boolean)/)),
      fc.tuple(fc.integer({ min: MAX_BODY_DEPTH + 1, max: 60_000 }), fc.constantFrom('[', '{"a":')).map(([depth, open]) =>
        asJson('too deep', `{"a":${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)}}`, 400, new RegExp(`nests deeper than ${MAX_BODY_DEPTH} levels`)),
      ),
      fc.constantFrom('{', '{"a":}', '{"a":1,}', "{'a':1}", '[1,2', 'NaN', '\u0000', '{"a":"\u0000', 'tru').map((t) => asJson('invalid JSON', t, 400, /JSON/)),
      fc.constantFrom('{"__proto__":{"isAdmin":true}}', '{"constructor":{"prototype":{"isAdmin":true}}}').map((t) => asJson('prototype poisoning', t, 400)),
      fc.integer({ min: 1, max: 200_000 }).map((extra) => asJson('over the body limit', JSON.stringify({ symbols: ['A'.repeat(BODY_LIMIT + extra)] }), 413, /too large/)),
      // Distinct tickers, more than any body's list accepts (scans: 10,000).
      fc.integer({ min: 10_001, max: 60_000 }).map((n) => asJson('huge flat array', JSON.stringify({ symbols: Array.from({ length: n }, (_, i) => `S${i}`) }), 400)),
      fc.integer({ min: MAX_BODY_FIELDS + 1, max: 70_000 }).map((n) => asJson('huge object', JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))), 400, new RegExp(`more than ${MAX_BODY_FIELDS} fields`))),
    );
    const bodyRoutes = routes.filter((r) => r.method === 'POST' || r.method === 'DELETE');
    const request = fc.record({ route: fc.constantFrom(...bodyRoutes), body, type: fc.oneof({ weight: 3, arbitrary: fc.constant('application/json') }, { weight: 2, arbitrary: contentType }) });

    await assertProperty(request, runs(150), async ({ route, body: { kind, text, status, message }, type }) => {
      const sent: Sent = { method: route.method, url: requestFor(route).url, headers: { ...authFor(route), 'content-type': type }, payload: text };
      const answer = await send(sent);
      const said = expectSaneAnswer(route, sent, answer);
      // Every route that takes a body refuses these with a 4xx; others (DELETE without a body DTO) may ignore a parsable one.
      const refusedByAll = ['over the body limit', 'invalid JSON', 'too deep', 'an array', 'a scalar', 'huge object'].includes(kind);
      if (type !== 'application/json' || (!route.body && !refusedByAll)) return;
      if (status !== undefined && answer.statusCode !== status) fail(sent, answer, `${kind}: expected ${status}`);
      if (message && !message.test(said)) fail(sent, answer, `${kind}: the message does not say ${message}`);
    });
  }, PROPERTY_TIMEOUT_MS);

  it('any admin key but the right one, sent any way: 401 on every admin route', async () => {
    const adminRoutes = routes.filter((r) => r.admin);
    const wrongKey = fc.oneof(headerValue, fc.constantFrom(ADMIN_KEY.slice(0, -1), `${ADMIN_KEY}x`, ADMIN_KEY.toUpperCase(), `x${ADMIN_KEY}`, ADMIN_KEY.slice(1))).filter((k) => k.trim() !== ADMIN_KEY);
    const how = fc.constantFrom('x-api-key', 'Bearer', 'bearer', 'Basic', 'Token');
    const request = fc.record({ route: fc.constantFrom(...adminRoutes), key: wrongKey, how });

    expect(adminRoutes.length).toBeGreaterThanOrEqual(8);
    await assertProperty(request, runs(150), async ({ route, key, how: scheme }) => {
      const sent = requestFor(route);
      delete sent.headers['x-api-key'];
      if (scheme === 'x-api-key') sent.headers['x-api-key'] = key;
      else sent.headers.authorization = `${scheme} ${key}`;
      const answer = await send(sent);
      expectSaneAnswer(route, sent, answer);
      if (answer.statusCode !== 401) fail(sent, answer, 'a wrong admin key was not refused with 401');
    });
  }, PROPERTY_TIMEOUT_MS);

  it('logged no unhandled error while being fuzzed', () => {
    const errors = logLines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
    expect(errors).toEqual([]);
  });
});
