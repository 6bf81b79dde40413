import { Inject, Injectable, Logger, Optional, type OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import { CacheAdminService, SingleFlight } from '../cache';
import { InvalidArgumentError, NotFoundError } from '../common/errors';
import { runWithUpstreamPriority } from '../common/upstream-priority';
import type { WarmPolicyName, WarmupConfig } from '../config/warmup.config';
import { UpstreamRateBudget } from '../market-data/upstream-budget/upstream-rate-budget';
import { symbolsFromHotKeys } from './hot-symbols';
import { WarmTargets } from './warm-targets';
import { WARMUP_CONFIG } from './warmup.constants';
import { WarmupRun, type WarmupProgress, type WarmupTrigger } from './warmup-run';

export interface WarmupRequest {
  /** Explicit symbols; default: the configured ones, else hot symbols plus the sp500's first N. */
  symbols?: readonly string[];
  /** Default: the configured policies. */
  policies?: readonly WarmPolicyName[];
}

type Outcome = { status: 'done' | 'aborted' | 'failed'; error?: string };

const FLIGHT_KEY = 'warmup';
const HISTORY_SIZE = 20;
const PROGRESS_LOG_MS = 5000;

/**
 * Runs warmups: symbols × policies through the features' public services, a bounded number of
 * symbols at once, with progress (done/total, rate, ETA, failures) logged and kept by run id
 * for the last runs. One run at a time per process: a start while one runs joins it.
 */
@Injectable()
export class CacheWarmerService implements OnModuleDestroy {
  private readonly logger = new Logger(CacheWarmerService.name);
  private readonly flight = new SingleFlight();
  private readonly runs = new Map<string, WarmupRun>();
  private readonly finishedListeners: ((run: WarmupProgress) => void)[] = [];
  private current?: WarmupRun;
  private bootGateOpen = true;
  private bootGatePromise: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(
    @Inject(WARMUP_CONFIG) private readonly config: WarmupConfig,
    private readonly targets: WarmTargets,
    private readonly cacheAdmin: CacheAdminService,
    @Optional() @Inject(UpstreamRateBudget) private readonly budget?: UpstreamRateBudget | null,
  ) {}

  private readonly now = (): number => Date.now();

  /**
   * Starts a warmup, or joins the one running (same run, `joined: true`; the request's own
   * symbols and policies are then ignored). @throws InvalidArgumentError for a policy this build cannot warm
   */
  start(request: WarmupRequest, trigger: WarmupTrigger): { run: WarmupRun; joined: boolean } {
    const unavailable = (request.policies ?? []).filter((p) => !this.targets.isAvailable(p));
    if (unavailable.length > 0) throw new InvalidArgumentError(`Cannot warm ${unavailable.join(', ')} in this build`);
    if (this.current && this.flight.has(FLIGHT_KEY)) return { run: this.current, joined: true };

    const run = new WarmupRun(newRunId(), trigger, this.now);
    this.current = run;
    this.remember(run);
    // Finished only once the flight is over, so whoever awaits `run.finished` can start the next run at once.
    // Warmups spend upstream budget after interactive calls and refreshes (`common/upstream-priority.ts`).
    void this.flight.run(FLIGHT_KEY, () => runWithUpstreamPriority('background', () => this.execute(run, request))).promise.then((outcome) => this.complete(run, outcome));
    return { run, joined: false };
  }

  /** @throws NotFoundError for an id not among the last runs */
  progress(id: string): WarmupProgress {
    const run = this.runs.get(id);
    if (!run) throw new NotFoundError(`No warmup ${id} among the last ${HISTORY_SIZE} runs`);
    return this.snapshotOf(run);
  }

  /** The last runs, newest first. */
  history(): WarmupProgress[] {
    return [...this.runs.values()].reverse().map((run) => this.snapshotOf(run));
  }

  get running(): WarmupRun | undefined {
    return this.current;
  }

  onRunFinished(listener: (run: WarmupProgress) => void): void {
    this.finishedListeners.push(listener);
  }

  /**
   * The boot warmup, in the background. Readiness may await `bootGate()`, which resolves when it
   * ends or after `WARMUP_BOOT_MAX_WAIT_MS`, whichever is first; the warmup itself goes on.
   */
  startBootWarmup(): void {
    if (!this.config.onBoot) return;
    const { run } = this.start({}, 'boot');
    this.bootGateOpen = false;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.config.bootMaxWaitMs);
      timer.unref();
    });
    this.bootGatePromise = Promise.race([run.finished, bound]).then(() => {
      clearTimeout(timer);
      this.bootGateOpen = true;
      if (run.status === 'running') {
        this.logger.log(`Boot warmup ${run.id} still running after ${this.config.bootMaxWaitMs} ms; readiness no longer waits for it`);
      }
    });
  }

  /** Resolves when readiness need no longer wait for the boot warmup (at once when there is none). */
  bootGate(): Promise<void> {
    return this.bootGatePromise;
  }

  isBootGateOpen(): boolean {
    return this.bootGateOpen;
  }

  onModuleDestroy(): void {
    // Queued symbols are skipped; the ones in flight finish. Shutdown does not wait for the run.
    this.stopping = true;
  }

  private async execute(run: WarmupRun, request: WarmupRequest): Promise<Outcome> {
    try {
      const policies = this.policiesOf(request);
      const symbols = request.symbols?.length ? uniqueSymbols(request.symbols) : await this.defaultSymbols();
      run.plan(symbols.length, policies);
      this.logger.log(
        `Warmup ${run.id} (${run.trigger}) started: ${symbols.length} symbols × ${policies.join(',')}, ${this.config.concurrency} at once`,
      );
      const limit = pLimit(this.config.concurrency);
      let lastLog = this.now();
      await Promise.all(
        symbols.map((symbol) =>
          limit(async () => {
            await this.warmSymbol(run, symbol, policies);
            if (this.now() - lastLog >= PROGRESS_LOG_MS) {
              lastLog = this.now();
              this.logger.log(describe(this.snapshotOf(run)));
            }
          }),
        ),
      );
      return { status: this.stopping ? 'aborted' : 'done' };
    } catch (error) {
      return { status: 'failed', error: (error as Error).message };
    }
  }

  private complete(run: WarmupRun, outcome: Outcome): void {
    if (this.current === run) this.current = undefined;
    run.finish(outcome.status, outcome.error);
    const final = run.snapshot();
    this.logger.log(describe(final));
    for (const listener of this.finishedListeners) {
      try {
        listener(final);
      } catch (error) {
        this.logger.warn(`A warmup listener failed: ${(error as Error).message}`);
      }
    }
  }

  private async warmSymbol(run: WarmupRun, symbol: string, policies: readonly WarmPolicyName[]): Promise<void> {
    for (const policy of policies) {
      // A provider and cache answering from memory settle in microtasks only: without a macrotask
      // turn, a long warmup would starve timers, sockets and probes for its whole duration.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.stopping) return;
      try {
        await this.targets.warm(policy, symbol);
        run.taskDone();
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        run.taskFailed({ symbol, policy, code: typeof code === 'string' ? code : (error as Error).name, message: (error as Error).message });
      }
    }
    run.symbolDone();
  }

  /** The run's progress, and while it runs under a rate budget, how many of its calls wait for budget. */
  private snapshotOf(run: WarmupRun): WarmupProgress {
    const snapshot = run.snapshot();
    if (!this.budget || snapshot.status !== 'running') return snapshot;
    return { ...snapshot, waitingForBudget: this.budget.stats().waiting.background };
  }

  private policiesOf(request: WarmupRequest): WarmPolicyName[] {
    const wanted = unique(request.policies?.length ? request.policies : this.config.policies);
    const skipped = wanted.filter((p) => !this.targets.isAvailable(p));
    if (skipped.length > 0) this.logger.warn(`Warmup skips ${skipped.join(', ')}: not available in this build`);
    return wanted.filter((p) => this.targets.isAvailable(p));
  }

  private async defaultSymbols(): Promise<string[]> {
    if (this.config.symbols.length > 0) return this.config.symbols;
    const { topN } = this.config;
    const hot = symbolsFromHotKeys(this.cacheAdmin.topKeys(topN * 8), topN);
    const universe = await this.targets.universe('sp500', topN).catch((error: Error) => {
      this.logger.warn(`Warmup could not list the sp500 universe, warming hot symbols only: ${error.message}`);
      return [];
    });
    return uniqueSymbols([...hot, ...universe]);
  }

  private remember(run: WarmupRun): void {
    this.runs.set(run.id, run);
    for (const [id, old] of this.runs) {
      if (this.runs.size <= HISTORY_SIZE) break;
      if (old.status !== 'running') this.runs.delete(id);
    }
  }
}

function newRunId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

function unique<T extends string>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function uniqueSymbols(symbols: readonly string[]): string[] {
  return unique(symbols.map((s) => s.trim().toUpperCase()).filter(Boolean));
}

function describe(p: WarmupProgress): string {
  const eta = p.etaMs === null ? '' : `, ETA ${Math.ceil(p.etaMs / 1000)} s`;
  const budget = p.waitingForBudget ? `, ${p.waitingForBudget} calls waiting for upstream budget` : '';
  return `Warmup ${p.id} ${p.status}: ${p.done}/${p.total} (${p.percent}%), ${p.rate} tasks/s, ${p.symbolsPerSecond} symbols/s${eta}, ${p.failed} failed${budget}`;
}
