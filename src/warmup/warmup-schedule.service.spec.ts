import type { CacheAdminService } from '../cache';
import type { WarmupConfig } from '../config/warmup.config';
import { ReadinessState } from '../health/readiness.state';
import { FakeScheduler } from '../../test/support/fake-scheduler';
import type { CacheWarmerService } from './cache-warmer.service';
import { LEASE_RENEW_JOB, REFRESH_AHEAD_JOB, WARMUP_CRON_JOB } from './warmup.constants';
import type { LeaseResult, RedisLease } from './warmup-lease';
import { WarmupRun } from './warmup-run';
import { WarmupSchedule } from './warmup-schedule.service';

const config = (overrides: Partial<WarmupConfig> = {}): WarmupConfig => ({
  onBoot: true,
  bootMaxWaitMs: 5000,
  cron: '0 9 * * 1-5',
  timeZone: 'America/New_York',
  symbols: [],
  topN: 100,
  policies: ['prices'],
  concurrency: 4,
  refreshAhead: { intervalMs: 30_000, withinMs: 60_000 },
  ...overrides,
});

function build(cfg: WarmupConfig, lease: LeaseResult) {
  const scheduler = new FakeScheduler();
  const run = new WarmupRun('r1', 'cron', Date.now);
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  const warmer = {
    startBootWarmup: jest.fn(),
    isBootGateOpen: jest.fn(() => !cfg.onBoot),
    bootGate: () => gate,
    start: jest.fn(() => ({ run, joined: false })),
  };
  const readiness = new ReadinessState();
  const admin = { refreshAhead: jest.fn(async () => 3) };
  const leaser = { acquire: jest.fn(async () => lease), renew: jest.fn(async () => true), release: jest.fn(async () => true) };
  const sut = new WarmupSchedule(
    cfg,
    warmer as unknown as CacheWarmerService,
    admin as unknown as CacheAdminService,
    scheduler,
    leaser as unknown as RedisLease,
    readiness,
  );
  return { sut, scheduler, run, warmer, admin, leaser, readiness, openGate };
}

describe(WarmupSchedule.name, () => {
  it('at bootstrap starts the boot warmup and schedules the cron warmup and refresh-ahead from config', async () => {
    const { sut, scheduler, warmer, admin } = build(config(), { state: 'busy' });
    sut.onApplicationBootstrap();
    expect(warmer.startBootWarmup).toHaveBeenCalledTimes(1);
    expect(scheduler.jobs.get(WARMUP_CRON_JOB)).toMatchObject({ kind: 'cron', spec: '0 9 * * 1-5 America/New_York' });
    expect(scheduler.jobs.get(REFRESH_AHEAD_JOB)).toMatchObject({ kind: 'every', spec: '30000ms' });
    await scheduler.fire(REFRESH_AHEAD_JOB);
    expect(admin.refreshAhead).toHaveBeenCalledWith({ withinMs: 60_000 });
  });

  it('schedules neither when the cron is off and the refresh interval is 0', () => {
    const { sut, scheduler } = build(config({ cron: undefined, refreshAhead: { intervalMs: 0, withinMs: 1 } }), { state: 'busy' });
    sut.onApplicationBootstrap();
    expect([...scheduler.jobs.keys()]).toEqual([]);
  });

  it('skips a cron tick while another replica holds the lease', async () => {
    const { sut, scheduler, warmer } = build(config(), { state: 'busy' });
    sut.onApplicationBootstrap();
    await scheduler.fire(WARMUP_CRON_JOB);
    expect(warmer.start).not.toHaveBeenCalled();
  });

  it('with the lease: runs the warmup, renews while it runs, releases by token at the end', async () => {
    const { sut, scheduler, run, warmer, leaser } = build(config(), { state: 'acquired', token: 't-1' });
    sut.onApplicationBootstrap();
    const tick = scheduler.fire(WARMUP_CRON_JOB);
    await new Promise((r) => setImmediate(r));
    expect(warmer.start).toHaveBeenCalledWith({}, 'cron');
    expect(scheduler.jobs.has(LEASE_RENEW_JOB)).toBe(true);
    await scheduler.fire(LEASE_RENEW_JOB);
    expect(leaser.renew).toHaveBeenCalledWith('t-1', 60_000);
    expect(leaser.release).not.toHaveBeenCalled();

    run.finish('done');
    await tick;
    expect(leaser.release).toHaveBeenCalledWith('t-1');
    expect(scheduler.jobs.has(LEASE_RENEW_JOB)).toBe(false);
  });

  it('without Redis: runs locally, with nothing to renew or release', async () => {
    const { sut, scheduler, run, warmer, leaser } = build(config(), { state: 'unavailable', reason: 'Redis is disabled' });
    sut.onApplicationBootstrap();
    run.finish('done');
    await scheduler.fire(WARMUP_CRON_JOB);
    expect(warmer.start).toHaveBeenCalledTimes(1);
    expect(leaser.release).not.toHaveBeenCalled();
    expect(scheduler.jobs.has(LEASE_RENEW_JOB)).toBe(false);
  });

  it('holds readiness until the (bounded) boot gate opens', async () => {
    const { sut, readiness, openGate } = build(config({ onBoot: true }), { state: 'busy' });
    readiness.markBooted();
    sut.onApplicationBootstrap();
    expect(readiness.waitingFor).toEqual(['boot-warmup']);
    expect(readiness.ready).toBe(false);
    openGate();
    await new Promise((r) => setImmediate(r));
    expect(readiness.ready).toBe(true);
  });

  it('does not hold readiness when there is no boot warmup', () => {
    const { sut, readiness } = build(config({ onBoot: false }), { state: 'busy' });
    readiness.markBooted();
    sut.onApplicationBootstrap();
    expect(readiness.ready).toBe(true);
  });
});
