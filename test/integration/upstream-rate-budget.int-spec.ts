import { createRedisTopology, type RedisTopology } from '../../src/cache';
import { buildCacheConfig } from '../../src/config/cache.config';
import { validateEnv } from '../../src/config/load-env';
import { UpstreamRateBudget } from '../../src/market-data/upstream-budget/upstream-rate-budget';
import type { UpstreamPriority } from '../../src/common/upstream-priority';
import { waitUntil } from '../support/cache.builder';
import { maxInWindow } from '../support/rate-windows';
import { RedisServer } from '../support/redis-server';

/**
 * Three replicas' budgets on one private Redis (rate 20/s, burst 5): together they never start
 * more than rate + burst calls in any one-second window; killed Redis, each paces itself at a
 * third of the budget (the replicas its heartbeats last counted), so the cluster still keeps it.
 */

const RATE = 20;
const BURST = 5;
const quiet = { warn: () => undefined, log: () => undefined };
let redis: RedisServer;
const clients: RedisTopology[] = [];
const budgets: UpstreamRateBudget[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
});
afterEach(async () => {
  for (const budget of budgets.splice(0)) budget.onModuleDestroy();
  await Promise.all(clients.splice(0).map((c) => (c.isReady ? c.close() : Promise.resolve(c.destroy()))));
});
afterAll(async () => {
  await redis?.stop();
});

async function replicas(n: number, provider: string): Promise<UpstreamRateBudget[]> {
  const prefix = `rb${Math.random().toString(36).slice(2, 8)}:state:`;
  for (let i = 0; i < n; i++) {
    const client = createRedisTopology(buildCacheConfig(validateEnv({ REDIS_URL: redis.url })).redis);
    client.on('error', () => undefined);
    void client.connect().catch(() => undefined);
    await waitUntil(() => client.isReady, 5000);
    clients.push(client);
    const budget = new UpstreamRateBudget({
      provider,
      ratePerSecond: RATE,
      burst: BURST,
      maxWaitMs: 3000,
      backgroundMaxWaitMs: 20_000,
      heartbeatMs: 200,
      state: { client: () => client, key: (name) => prefix + name },
      logger: quiet,
    });
    budget.onModuleInit();
    budgets.push(budget);
  }
  // Let every heartbeat land, so each knows the replica count.
  await new Promise((resolve) => setTimeout(resolve, 450));
  return budgets;
}

/** `callers` loops per replica, each taking budget until `untilMs`; the start time of every granted call. */
async function drive(all: UpstreamRateBudget[], callers: number, untilMs: number, priority: UpstreamPriority, failures: unknown[]): Promise<number[]> {
  const starts: number[] = [];
  const end = Date.now() + untilMs;
  await Promise.all(
    all.flatMap((budget) =>
      Array.from({ length: callers }, async () => {
        // Bounded: each round either waits for a slot or fails and stops.
        while (Date.now() < end) {
          try {
            await budget.acquire(priority);
            starts.push(Date.now());
          } catch (error) {
            failures.push(error);
            return;
          }
        }
      }),
    ),
  );
  return starts;
}

it('three replicas on one Redis keep one budget: at most rate + burst in any second', async () => {
  const all = await replicas(3, 'polygon');
  expect(all.every((b) => b.stats().replicasSeen === 3)).toBe(true);
  const failures: unknown[] = [];
  const starts = await drive(all, 4, 3000, 'background', failures);
  expect(failures).toEqual([]);
  expect(maxInWindow(starts)).toBeLessThanOrEqual(RATE + BURST);
  // The budget is used, not starved: about 3 s × 20/s + the burst.
  expect(starts.length).toBeGreaterThanOrEqual(50);
  const spanS = (Math.max(...starts) - Math.min(...starts)) / 1000;
  expect(starts.length).toBeLessThanOrEqual(Math.ceil(spanS * RATE) + BURST + 1);
  console.log(`rate budget int: redis, ${starts.length} calls in 3 s, max ${maxInWindow(starts)} in a second`);
}, 20_000);

it('with Redis killed mid-run, each replica paces at budget ÷ 3 and nothing fails', async () => {
  const all = await replicas(3, 'yahoo');
  const failures: unknown[] = [];
  const run = drive(all, 4, 4000, 'interactive', failures);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await redis.kill();
  const starts = await run;
  expect(failures).toEqual([]);
  expect(all.every((b) => b.stats().mode === 'local')).toBe(true);
  expect(maxInWindow(starts)).toBeLessThanOrEqual(RATE + BURST);
  expect(starts.length).toBeGreaterThanOrEqual(50);
  console.log(`rate budget int: redis killed at 1.5 s, ${starts.length} calls in 4 s, max ${maxInWindow(starts)} in a second`);
  await redis.restart();
}, 20_000);

it("a vendor's pause on one replica holds every replica, through Redis", async () => {
  const [a, b, c] = await replicas(3, 'polygon-pause');
  await a.pause(2000);
  // B waits out the pause (it is within its 3 s), then goes.
  const started = Date.now();
  const waited = b.acquire('interactive').then(() => Date.now() - started);
  // C hears of it at its next heartbeat (every 200 ms here), before any call of its own.
  await waitUntil(() => c.stats().pausedUntil !== undefined, 2000);
  expect(c.stats().pausedUntil).toBeGreaterThan(Date.now() + 1000);
  expect(await waited).toBeGreaterThanOrEqual(1800);
}, 20_000);
