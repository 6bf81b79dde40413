import { readFileSync } from 'node:fs';
import { CacheService } from '../../src/cache';
import { buildInferenceConfig } from '../../src/config/inference.config';
import { FEATURE_NAMES } from '../../src/inference/feature-builder';
import type { ModelArtifact } from '../../src/inference/model-artifact';
import { MAX_PREDICTION_BATCH } from '../../src/inference/predictions.dto';
import { startApp } from '../support/app.builder';
import { waitUntil } from '../support/cache.builder';
import { writeArtifactFile } from '../support/model-artifact.builder';
import { RedisServer } from '../support/redis-server';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const get = (url: string) => ({ method: 'GET' as const, url });
const batch = (body: unknown) => ({ method: 'POST' as const, url: '/api/v1/predictions/batch', payload: body as object });
const messageOf = (body: { message: string | string[] }) => JSON.stringify(body.message);
const bundled = JSON.parse(readFileSync(buildInferenceConfig({}).modelPath, 'utf8')) as ModelArtifact;

describe('predictions through the real app (private Redis)', () => {
  let redis: RedisServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await RedisServer.start();
    env = { REDIS_ENABLED: 'true', REDIS_URL: redis.url };
  });

  afterAll(async () => {
    await redis.stop();
  });

  it('answers one prediction with the bundled model name, version, horizon, probability, signal and as-of date', async () => {
    const app = await startApp(env);

    const response = await app.inject(get('/api/v1/predictions/aapl'));

    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({
      symbol: 'AAPL',
      model: { name: 'momentum-v1', version: bundled.version },
      horizonDays: 20,
      probabilityUp: expect.any(Number),
      signal: expect.stringMatching(/^(bullish|neutral|bearish)$/),
      asOf: expect.stringMatching(DATE),
    });
    expect(body.probabilityUp).toBeGreaterThan(0);
    expect(body.probabilityUp).toBeLessThan(1);
  });

  it('explains itself with ?explain=true: the eleven inputs, by name', async () => {
    const app = await startApp(env);

    const body = (await app.inject(get('/api/v1/predictions/MSFT?explain=true'))).json();

    expect(Object.keys(body.features)).toEqual([...FEATURE_NAMES]);
    expect(Object.values(body.features).every(Number.isFinite)).toBe(true);
    expect(body.features.rsi14).toBeGreaterThanOrEqual(0);
    expect(body.features.rsi14).toBeLessThanOrEqual(100);
  });

  it('serves the second call from L1 and agrees with the batch route', async () => {
    const app = await startApp(env);

    const first = await app.inject(get('/api/v1/predictions/JPM'));
    const second = await app.inject(get('/api/v1/predictions/JPM'));
    const fromBatch = (await app.inject(batch({ symbols: ['JPM'] }))).json();

    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT-L1');
    expect(second.body).toBe(first.body);
    expect(fromBatch.predictions).toEqual([first.json()]);
    expect(fromBatch.stats).toEqual({ cached: 1, computed: 0 });
  });

  it('rejects a malformed symbol or explain flag with a 400 naming the field, and an unknown symbol with a 404', async () => {
    const app = await startApp(env);

    const bad = await app.inject(get('/api/v1/predictions/$$$'));
    const flag = await app.inject(get('/api/v1/predictions/AAPL?explain=maybe'));
    const unknown = await app.inject(get('/api/v1/predictions/ZZZZZZ'));

    expect(bad.statusCode).toBe(400);
    expect(messageOf(bad.json())).toContain('symbol must be 1-15 characters');
    expect(flag.statusCode).toBe(400);
    expect(messageOf(flag.json())).toContain('explain must be true or false');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'SYMBOL_NOT_FOUND', message: 'Unknown symbol: ZZZZZZ' });
  });

  it('batches: merges duplicates, lists unknown symbols apart, keeps request order', async () => {
    const app = await startApp(env);

    const response = await app.inject(batch({ symbols: ['xom', 'ZZZZZZ', 'XOM', ' cvx ', 'zzzzzz', 'Xom'] }));

    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.predictions.map((p: { symbol: string }) => p.symbol)).toEqual(['XOM', 'CVX']);
    expect(body.unknown).toEqual(['ZZZZZZ']);
    expect(body.insufficientHistory).toEqual([]);
    expect(body.stats).toEqual({ cached: 0, computed: 2 });
    expect(body.predictions[0]).toMatchObject({ model: { name: 'momentum-v1' }, horizonDays: 20, asOf: expect.stringMatching(DATE) });
  });

  it('computes only the misses: a second batch with one new symbol computes one', async () => {
    const app = await startApp(env);

    const first = (await app.inject(batch({ symbols: ['KO', 'PEP'] }))).json();
    const second = (await app.inject(batch({ symbols: ['PEP', 'KO', 'MCD'], explain: true }))).json();

    expect(first.stats).toEqual({ cached: 0, computed: 2 });
    expect(second.stats).toEqual({ cached: 2, computed: 1 });
    expect(second.predictions.map((p: { symbol: string }) => p.symbol)).toEqual(['PEP', 'KO', 'MCD']);
    expect(second.predictions.every((p: { features?: object }) => p.features !== undefined)).toBe(true);
  });

  it('reads another replica’s answers from Redis, but never another model’s', async () => {
    const shared = { ...env, REDIS_PREFIX: `e2epred${Date.now()}:` };
    const weights = bundled.model.weights.map((w, i) => (i === 0 ? w + 0.5 : w));
    const retrained = writeArtifactFile({ ...bundled, model: { ...bundled.model, weights } });
    const a = await startApp(shared);
    const b = await startApp(shared);
    const other = await startApp({ ...shared, MODEL_PATH: retrained });
    await waitUntil(() => [a, b, other].every((app) => app.get(CacheService).stats().backend === 'redis'), 3000);

    await a.inject(batch({ symbols: ['IBM', 'ORCL'] }));

    expect((await b.inject(batch({ symbols: ['IBM', 'ORCL'] }))).json().stats).toEqual({ cached: 2, computed: 0 });
    // Same name and version string, other weights: its own cache entries.
    expect((await other.inject(batch({ symbols: ['IBM', 'ORCL'] }))).json().stats).toEqual({ cached: 0, computed: 2 });
  });

  it.each([
    [{ symbols: Array.from({ length: MAX_PREDICTION_BATCH + 1 }, (_, i) => `S${i}`) }, `symbols may name at most ${MAX_PREDICTION_BATCH} distinct symbols`],
    [{ symbols: [] }, 'symbols must name at least one symbol'],
    [{ symbols: 'AAPL' }, 'symbols must be an array of tickers'],
    [{ symbols: ['AAPL', '$$$'] }, 'each symbol must be 1-15 characters'],
    [{ symbols: ['AAPL'], explain: 'yes' }, 'explain must be true or false'],
    [{ symbols: ['AAPL'], limit: 3 }, 'property limit should not exist'],
  ])('rejects a bad batch with a 400 naming the field (%#)', async (body, message) => {
    const app = await startApp(env);

    const response = await app.inject(batch(body));

    expect(response.statusCode).toBe(400);
    expect(messageOf(response.json())).toContain(message);
  });

  it('accepts the maximum once duplicates are merged', async () => {
    const app = await startApp(env);
    const symbols = [...Array.from({ length: MAX_PREDICTION_BATCH }, () => 'AAPL'), 'aapl'];

    const response = await app.inject(batch({ symbols }));

    expect(response.statusCode).toBe(200);
    expect(response.json().predictions).toHaveLength(1);
  });
});

describe('booting with a bad MODEL_PATH', () => {
  it('refuses to start on a corrupt artifact, naming the file and the problem', async () => {
    const path = writeArtifactFile('{"format": "mc-logistic-regression", "weights": [1, 2', 'corrupt.json');

    await expect(startApp({ MODEL_PATH: path })).rejects.toThrow(`MODEL_PATH: cannot load the model artifact ${path}: not valid JSON`);
  });

  it('refuses to start on a missing artifact or one without a feature the code computes', async () => {
    const missingFeature = writeArtifactFile({ ...bundled, features: bundled.features.filter((f) => f.name !== 'vol21') });

    await expect(startApp({ MODEL_PATH: '/nonexistent/momentum-v9.json' })).rejects.toThrow(
      'MODEL_PATH: cannot load the model artifact /nonexistent/momentum-v9.json: file not found',
    );
    await expect(startApp({ MODEL_PATH: missingFeature })).rejects.toThrow(/features lacks vol21/);
  });
});
