import { SchedulerRegistry } from '@nestjs/schedule';
import { NestScheduler } from './scheduler';

describe(NestScheduler.name, () => {
  let registry: SchedulerRegistry;
  let sut: NestScheduler;

  beforeEach(() => {
    registry = new SchedulerRegistry();
    sut = new NestScheduler(registry);
  });

  afterEach(() => {
    sut.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('registers a cron job in the exchange time zone and reports its next run', () => {
    sut.cron('warm', '0 9 * * 1-5', 'America/New_York', async () => undefined);
    expect(registry.doesExist('cron', 'warm')).toBe(true);
    const next = sut.nextRun('warm') as Date;
    const local = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', minute: 'numeric', weekday: 'short', hour12: false }).format(next);
    expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
    sut.cancel('warm');
    expect(registry.doesExist('cron', 'warm')).toBe(false);
    expect(sut.nextRun('warm')).toBeUndefined();
  });

  it('runs an interval task, never overlapping itself, and survives a throwing task', async () => {
    jest.useFakeTimers();
    let runs = 0;
    let release!: () => void;
    sut.every('tick', 100, async () => {
      runs++;
      if (runs === 1) await new Promise<void>((r) => (release = r));
      if (runs === 2) throw new Error('boom');
    });
    expect(registry.doesExist('interval', 'tick')).toBe(true);
    await jest.advanceTimersByTimeAsync(350);
    expect(runs).toBe(1);
    release();
    await jest.advanceTimersByTimeAsync(200);
    expect(runs).toBe(3);
    sut.cancel('tick');
    await jest.advanceTimersByTimeAsync(500);
    expect(runs).toBe(3);
  });

  it('cancels everything it scheduled at shutdown', () => {
    sut.cron('a', '* * * * *', 'UTC', async () => undefined);
    sut.every('b', 1000, async () => undefined);
    sut.onApplicationShutdown();
    expect(registry.getCronJobs().size).toBe(0);
    expect(registry.getIntervals()).toEqual([]);
  });
});
