import type { CacheAdminService, HotKey } from '../cache';
import { InvalidArgumentError, NotFoundError, SymbolNotFoundError } from '../common/errors';
import type { WarmPolicyName, WarmupConfig } from '../config/warmup.config';
import { CacheWarmerService } from './cache-warmer.service';
import type { WarmTargets } from './warm-targets';

const config = (overrides: Partial<WarmupConfig> = {}): WarmupConfig => ({
  onBoot: false,
  bootMaxWaitMs: 5000,
  cron: undefined,
  timeZone: 'America/New_York',
  symbols: [],
  topN: 5,
  policies: ['prices', 'history'],
  concurrency: 3,
  refreshAhead: { intervalMs: 0, withinMs: 60_000 },
  ...overrides,
});

/** Feature services as the warmer sees them: records calls, tracks calls in flight, fails on demand. */
class FakeTargets {
  readonly calls: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  delayMs = 2;
  failing = new Set<string>();
  unavailable = new Set<WarmPolicyName>();
  universeSymbols = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'];
  gate?: Promise<void>;

  isAvailable(policy: WarmPolicyName): boolean {
    return !this.unavailable.has(policy);
  }

  async warm(policy: WarmPolicyName, symbol: string): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      this.calls.push(`${symbol}/${policy}`);
      await (this.gate ?? new Promise((r) => setTimeout(r, this.delayMs)));
      if (this.failing.has(symbol)) throw new SymbolNotFoundError(symbol);
    } finally {
      this.inFlight--;
    }
  }

  async universe(_market: string, count: number): Promise<string[]> {
    return this.universeSymbols.slice(0, count);
  }
}

function build(cfg: WarmupConfig, hot: HotKey[] = []): { sut: CacheWarmerService; targets: FakeTargets } {
  const targets = new FakeTargets();
  const admin = { topKeys: (n: number) => hot.slice(0, n) } as unknown as CacheAdminService;
  return { sut: new CacheWarmerService(cfg, targets as unknown as WarmTargets, admin), targets };
}

const symbols = (n: number) => Array.from({ length: n }, (_, i) => `S${i}`);

describe(CacheWarmerService.name, () => {
  it('warms every symbol × policy and never has more symbols in flight than the concurrency', async () => {
    const { sut, targets } = build(config({ concurrency: 3 }));
    const { run, joined } = sut.start({ symbols: symbols(20) }, 'api');
    expect(joined).toBe(false);
    await run.finished;

    const p = sut.progress(run.id);
    expect(p).toMatchObject({ status: 'done', symbols: 20, total: 40, done: 40, failed: 0, symbolsDone: 20, percent: 100 });
    expect(targets.calls).toHaveLength(40);
    expect(targets.maxInFlight).toBe(3);
    // A symbol's policies run in order, so later ones reuse what earlier ones cached.
    expect(targets.calls.filter((c) => c.startsWith('S0/'))).toEqual(['S0/prices', 'S0/history']);
  });

  it('counts failures per code and goes on with the other symbols', async () => {
    const { sut, targets } = build(config());
    targets.failing.add('S1');
    const { run } = sut.start({ symbols: ['s0', 'S1', 's2'], policies: ['scores'] }, 'api');
    await run.finished;
    expect(sut.progress(run.id)).toMatchObject({
      status: 'done',
      total: 3,
      done: 3,
      failed: 1,
      failuresByCode: { SYMBOL_NOT_FOUND: 1 },
      failures: [{ symbol: 'S1', policy: 'scores', code: 'SYMBOL_NOT_FOUND', message: 'Unknown symbol: S1' }],
    });
    expect(targets.calls.sort()).toEqual(['S0/scores', 'S1/scores', 'S2/scores']);
  });

  it('joins a start while one runs (same id), and starts a new run after it ends', async () => {
    const { sut, targets } = build(config());
    let open!: () => void;
    targets.gate = new Promise((r) => (open = r));
    const first = sut.start({ symbols: ['A'] }, 'api');
    const second = sut.start({ symbols: ['B'], policies: ['scores'] }, 'cron');
    expect(second).toMatchObject({ joined: true });
    expect(second.run.id).toBe(first.run.id);
    expect(sut.running?.id).toBe(first.run.id);

    open();
    await first.run.finished;
    // The joiner's own symbols were not warmed.
    expect(targets.calls).toEqual(['A/prices', 'A/history']);
    // Right after `finished`, the next start is a new run, not a join of the finished one.
    const third = sut.start({ symbols: ['C'] }, 'api');
    expect(third.joined).toBe(false);
    expect(third.run.id).not.toBe(first.run.id);
    await third.run.finished;
  });

  it('defaults to the hot keys’ symbols plus the universe’s first N, without duplicates', async () => {
    const hot: HotKey[] = [
      { key: 'v1:price:ZED', hits: 9 },
      { key: 'v1:price:http:abcdef', hits: 8 },
      { key: 'v1:score:BBB:medium', hits: 7 },
    ];
    const { sut, targets } = build(config({ topN: 3, policies: ['prices'] }), hot);
    const { run } = sut.start({}, 'boot');
    await run.finished;
    expect(targets.calls.map((c) => c.split('/')[0]).sort()).toEqual(['AAA', 'BBB', 'CCC', 'ZED']);
  });

  it('uses the configured symbols when set, and skips policies this build cannot warm', async () => {
    const { sut, targets } = build(config({ symbols: ['X1'], policies: ['prices', 'predictions'] }));
    targets.unavailable.add('predictions');
    const { run } = sut.start({}, 'cron');
    await run.finished;
    expect(targets.calls).toEqual(['X1/prices']);
    expect(() => sut.start({ policies: ['predictions'] }, 'api')).toThrow(InvalidArgumentError);
  });

  it('keeps the last 20 runs and answers NotFoundError for others', async () => {
    const { sut } = build(config({ policies: ['prices'] }));
    const ids: string[] = [];
    for (let i = 0; i < 22; i++) {
      const { run } = sut.start({ symbols: ['A'] }, 'api');
      ids.push(run.id);
      await run.finished;
    }
    expect(sut.history()).toHaveLength(20);
    expect(sut.history()[0].id).toBe(ids[21]);
    expect(() => sut.progress(ids[0])).toThrow(NotFoundError);
    expect(sut.progress(ids[21]).status).toBe('done');
  });

  it('opens the boot gate after WARMUP_BOOT_MAX_WAIT_MS while the boot warmup goes on', async () => {
    const { sut, targets } = build(config({ onBoot: true, bootMaxWaitMs: 30, symbols: ['A'] }));
    let open!: () => void;
    targets.gate = new Promise((r) => (open = r));
    sut.startBootWarmup();
    let opened = false;
    void sut.bootGate().then(() => (opened = true));
    await new Promise((r) => setImmediate(r));
    expect(opened).toBe(false);
    expect(sut.isBootGateOpen()).toBe(false);
    await sut.bootGate();
    expect(sut.isBootGateOpen()).toBe(true);
    expect(sut.running?.trigger).toBe('boot');
    open();
    await sut.running?.finished;
  });

  it('has an open gate and no run when the boot warmup is off', async () => {
    const { sut } = build(config({ onBoot: false }));
    sut.startBootWarmup();
    await sut.bootGate();
    expect(sut.isBootGateOpen()).toBe(true);
    expect(sut.history()).toEqual([]);
  });

  it('stops taking symbols at shutdown and ends the run as aborted', async () => {
    const { sut, targets } = build(config({ concurrency: 1, policies: ['prices'] }));
    targets.delayMs = 5;
    const { run } = sut.start({ symbols: symbols(50) }, 'api');
    await new Promise((r) => setTimeout(r, 20));
    sut.onModuleDestroy();
    await run.finished;
    const p = sut.progress(run.id);
    expect(p.status).toBe('aborted');
    expect(p.done).toBeLessThan(50);
  });
});
