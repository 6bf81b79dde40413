import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RedisConnection } from '../../src/cache';
import { SignalsSchedule } from '../../src/signals/signals-schedule.service';
import type { Screening } from '../../src/signals/signals.dto';
import { startApp } from '../support/app.builder';
import { waitUntil } from '../support/cache.builder';
import { RedisServer } from '../support/redis-server';

/**
 * Active signals and the day's screening through the real app: thresholds from env, reasons
 * that match the scores, 404/400 for a missing or malformed day, and the scheduled recompute
 * running on one replica of two sharing a Redis (the lease), read by the other.
 */

const ENV = {
  SYNTHETIC_UNIVERSE_SIZE: '800',
  SIGNALS_UNIVERSE: 'energy',
  SIGNALS_COMPOSITE_HIGH: '65',
  SIGNALS_COMPOSITE_LOW: '35',
  SIGNALS_MOMENTUM_HIGH: '80',
  SIGNALS_MIN_CONFIDENCE_PERCENT: '0',
  // Ticks are fired by the test.
  SIGNALS_REFRESH_INTERVAL_MS: '0',
};

const get = (app: NestFastifyApplication, url: string) => app.inject({ method: 'GET', url });

describe('active signals', () => {
  it('lists the symbols past the thresholds with their reasons, and stores the day’s screening', async () => {
    const app = await startApp(ENV);
    const response = await get(app, '/api/v1/signals/active');
    expect(response.statusCode).toBe(200);
    const active = response.json<Screening>();
    expect(active).toMatchObject({ universe: 'energy', horizon: 'medium', thresholds: { compositeHigh: 65, compositeLow: 35, momentumHigh: 80, minConfidence: 0 } });
    expect(active.scanned).toBeGreaterThan(20);
    expect(active.signals.length).toBeGreaterThan(0);
    expect(active.signals.length).toBeLessThan(active.scanned);
    for (const signal of active.signals) {
      const crossed = [(signal.composite ?? 50) >= 65, (signal.composite ?? 50) <= 35, (signal.momentum ?? 0) >= 80];
      expect(crossed.some(Boolean)).toBe(true);
      expect(signal.reasons).toHaveLength(crossed.filter(Boolean).length);
      expect(signal.reasons.join(' ')).toMatch(/(composite|momentum) \d+(\.\d)? [<>]= \d+/);
    }
    expect(Date.now() - Date.parse(active.asOf)).toBeLessThan(60_000);

    // Read again: the stored value, not a recompute.
    expect((await get(app, '/api/v1/signals/active')).json<Screening>().asOf).toBe(active.asOf);
    const screening = await get(app, `/api/v1/screening/${active.date}`);
    expect(screening.statusCode).toBe(200);
    expect(screening.json()).toEqual(active);
  }, 60_000);

  it('answers 404 with a clear message for a day without a screening, 400 for a malformed day', async () => {
    const app = await startApp(ENV);
    const missing = await get(app, '/api/v1/screening/2001-02-03');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'NOT_FOUND', message: 'No screening stored for 2001-02-03: screenings are kept 24 h after the day\'s last run' });
    for (const bad of ['2024-13-01', '2024-02-30', 'yesterday', '20240203']) {
      const response = await get(app, `/api/v1/screening/${bad}`);
      expect(response.statusCode).toBe(400);
    }
  });

  describe('with two replicas sharing one Redis', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await RedisServer.start();
    });
    afterAll(async () => {
      await redis.stop();
    });

    it('the scheduled recompute runs on one replica per interval and the other serves its result', async () => {
      const env = { ...ENV, REDIS_ENABLED: 'true', REDIS_URL: redis.url, REDIS_PREFIX: `sg${Math.random().toString(36).slice(2, 8)}:`, CACHE_L2_TIMEOUT_MS: '1000', SIGNALS_REFRESH_INTERVAL_MS: '600000' };
      const [a, b] = [await startApp(env), await startApp(env)];
      for (const app of [a, b]) await waitUntil(() => app.get(RedisConnection).remote?.available === true && app.get(RedisConnection).busState === 'up', 10_000);

      const before = Date.now();
      const ran = await Promise.all([a.get(SignalsSchedule).tick(), b.get(SignalsSchedule).tick()]);
      const after = Date.now();
      expect(ran.filter(Boolean)).toHaveLength(1);
      // Within the same interval, a later tick is skipped as well.
      expect(await a.get(SignalsSchedule).tick()).toBe(false);

      const fromA = (await get(a, '/api/v1/signals/active')).json<Screening>();
      const fromB = (await get(b, '/api/v1/signals/active')).json<Screening>();
      // What the tick stored, not a computation on read.
      expect(Date.parse(fromA.asOf)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(fromA.asOf)).toBeLessThanOrEqual(after);
      expect(fromB).toEqual(fromA);
      expect((await get(b, `/api/v1/screening/${fromA.date}`)).json()).toEqual(fromA);
    }, 60_000);
  });
});
