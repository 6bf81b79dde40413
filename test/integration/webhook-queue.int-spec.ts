import { type RedisTopology } from '../../src/cache';
import { MemoryWebhookQueue, RedisWebhookQueue, type WebhookJob, type WebhookQueue } from '../../src/alerts/webhooks/webhook-queue';
import { startPrivateTopology, stopPrivateTopology } from '../support/private-topology';
import type { RedisServer } from '../support/redis-server';

/**
 * The webhook delivery queue, in memory and in a private Redis alike: due jobs are claimed by one
 * worker at a time under a lease; a lease that ends (its worker died) makes the job due again for
 * anyone; a worker whose lease was taken over can no longer finish or reschedule the job.
 */

let redis: RedisServer;
let client: RedisTopology;

beforeAll(async () => {
  ({ redis, client } = await startPrivateTopology());
});
afterAll(() => stopPrivateTopology({ redis, client }));

const job = (id: string): WebhookJob => ({ id, alertId: `alert-${id}`, url: 'https://hooks.example.test/x', body: '{}', attempts: 0, createdAt: '2026-12-01T00:00:00.000Z' });
const cases: [string, () => WebhookQueue][] = [
  ['memory', () => new MemoryWebhookQueue()],
  ['redis', () => new RedisWebhookQueue(() => client, `wq${Math.random().toString(36).slice(2, 8)}:state:`)],
];

describe.each(cases)('webhook queue (%s)', (_, make) => {
  it('claims only due jobs, each by one worker, at most `max`, oldest due first', async () => {
    const queue = make();
    await queue.add(job('c'), 1300);
    await queue.add(job('a'), 1000);
    await queue.add(job('b'), 1100);
    await queue.add(job('later'), 5000);
    expect((await queue.claim(1500, 3500, 2, 'w1')).map((j) => j.id)).toEqual(['a', 'b']);
    const [second, third] = await Promise.all([queue.claim(1500, 3500, 10, 'w2'), queue.claim(1500, 3500, 10, 'w3')]);
    expect([...second, ...third].map((j) => j.id)).toEqual(['c']);
    expect(await queue.claim(1500, 3500, 10, 'w4')).toEqual([]);
    expect(await queue.size()).toBe(4);
  });

  it('a lease that ends makes the job due again; the old holder can then neither finish nor reschedule it', async () => {
    const queue = make();
    await queue.add(job('x'), 1000);
    expect(await queue.claim(1000, 4000, 5, 'dead-replica')).toHaveLength(1);
    expect(await queue.claim(3999, 7000, 5, 'other')).toEqual([]);
    const [taken] = await queue.claim(4000, 7000, 5, 'other');
    expect(taken).toEqual(job('x'));
    expect(await queue.finish('x', 'dead-replica')).toBe(false);
    expect(await queue.retry({ ...taken, attempts: 9 }, 0, 'dead-replica')).toBe(false);
    expect(await queue.retry({ ...taken, attempts: 1 }, 8000, 'other')).toBe(true);
    expect(await queue.claim(7999, 9000, 5, 'other')).toEqual([]);
    expect(await queue.claim(8000, 9000, 5, 'third')).toEqual([{ ...job('x'), attempts: 1 }]);
    expect(await queue.finish('x', 'other')).toBe(false);
    expect(await queue.finish('x', 'third')).toBe(true);
    expect(await queue.size()).toBe(0);
    expect(await queue.claim(1e12, 1e12, 5, 'anyone')).toEqual([]);
  });
});
