import { WarmupRun } from './warmup-run';

describe(WarmupRun.name, () => {
  let clock: number;
  const now = () => clock;

  beforeEach(() => {
    clock = 1_000_000;
  });

  it('computes done/total, percent, rate, symbols per second and ETA from the clock', () => {
    const sut = new WarmupRun('r1', 'api', now);
    sut.plan(10, ['prices', 'scores']);
    expect(sut.snapshot()).toMatchObject({ total: 20, done: 0, percent: 0, rate: 0, etaMs: null, status: 'running' });

    for (let i = 0; i < 5; i++) sut.taskDone();
    sut.symbolDone();
    sut.symbolDone();
    clock += 2000;
    const p = sut.snapshot();
    expect(p).toMatchObject({ done: 5, failed: 0, percent: 25, rate: 2.5, symbolsPerSecond: 1, elapsedMs: 2000 });
    // 15 tasks left at 2.5 tasks/s.
    expect(p.etaMs).toBe(6000);
  });

  it('counts failures per code and keeps only the first 20 in detail', () => {
    const sut = new WarmupRun('r2', 'cron', now);
    sut.plan(30, ['prices']);
    for (let i = 0; i < 25; i++) sut.taskFailed({ symbol: `S${i}`, policy: 'prices', code: i % 2 ? 'A' : 'B', message: 'x' });
    const p = sut.snapshot();
    expect(p).toMatchObject({ done: 25, failed: 25, failuresByCode: { A: 12, B: 13 } });
    expect(p.failures).toHaveLength(20);
    expect(p.failures[0].symbol).toBe('S0');
  });

  it('freezes time at the end, resolves `finished` once, and ignores a second finish', async () => {
    const sut = new WarmupRun('r3', 'boot', now);
    sut.plan(1, ['prices']);
    sut.taskDone();
    clock += 500;
    sut.finish('done');
    clock += 10_000;
    sut.finish('failed', 'late');
    await sut.finished;
    const p = sut.snapshot();
    expect(p).toMatchObject({ status: 'done', elapsedMs: 500, etaMs: null, percent: 100, rate: 2 });
    expect(p.error).toBeUndefined();
    expect(p.finishedAt).toBe(new Date(1_000_500).toISOString());
  });

  it('reports 100 % for a finished run with nothing to do, and the error of a failed run', () => {
    const sut = new WarmupRun('r4', 'api', now);
    sut.finish('failed', 'could not list symbols');
    expect(sut.snapshot()).toMatchObject({ total: 0, percent: 100, status: 'failed', error: 'could not list symbols' });
  });
});
