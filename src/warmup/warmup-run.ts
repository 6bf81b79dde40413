import type { WarmPolicyName } from '../config/warmup.config';

export type WarmupTrigger = 'boot' | 'cron' | 'api';
export type WarmupStatus = 'running' | 'done' | 'failed' | 'aborted';

export interface WarmupFailure {
  symbol: string;
  policy: WarmPolicyName;
  /** The domain error code (e.g. SYMBOL_NOT_FOUND), or the error's name. */
  code: string;
  message: string;
}

/** What `GET warmup/:id` answers and what the logs and metrics report. */
export interface WarmupProgress {
  id: string;
  trigger: WarmupTrigger;
  status: WarmupStatus;
  policies: WarmPolicyName[];
  symbols: number;
  /** symbols × policies */
  total: number;
  /** Tasks finished, failed ones included. */
  done: number;
  failed: number;
  symbolsDone: number;
  percent: number;
  /** Tasks per second since the start. */
  rate: number;
  symbolsPerSecond: number;
  /** Estimated time left at the current rate; null before the first task or after the end. */
  etaMs: number | null;
  elapsedMs: number;
  startedAt: string;
  finishedAt: string | null;
  /** Failures per code, all of them. */
  failuresByCode: Record<string, number>;
  /** The first few failures in detail (bounded). */
  failures: WarmupFailure[];
  /** Why the run itself failed (e.g. the symbol list could not be resolved). */
  error?: string;
  /** Running, with an upstream rate budget: warmup and scan calls waiting for budget right now (interactive calls go first). */
  waitingForBudget?: number;
}

const MAX_FAILURE_DETAILS = 20;

/** One warmup's state and progress arithmetic; the warmer drives it, readers take snapshots. */
export class WarmupRun {
  status: WarmupStatus = 'running';
  private symbolCount = 0;
  private policies: WarmPolicyName[] = [];
  private done = 0;
  private failed = 0;
  private symbolsDone = 0;
  private finishedAt?: number;
  private error?: string;
  private readonly failuresByCode: Record<string, number> = {};
  private readonly failures: WarmupFailure[] = [];
  private settle!: () => void;
  /** Resolves when the run ends, whatever its status; never rejects. */
  readonly finished: Promise<void> = new Promise((resolve) => (this.settle = resolve));

  constructor(
    readonly id: string,
    readonly trigger: WarmupTrigger,
    private readonly now: () => number,
    readonly startedAt = now(),
  ) {}

  /** Set once the symbol list is known (resolving it may take a provider call). */
  plan(symbols: number, policies: WarmPolicyName[]): void {
    this.symbolCount = symbols;
    this.policies = [...policies];
  }

  get total(): number {
    return this.symbolCount * this.policies.length;
  }

  taskDone(): void {
    this.done++;
  }

  taskFailed(failure: WarmupFailure): void {
    this.done++;
    this.failed++;
    this.failuresByCode[failure.code] = (this.failuresByCode[failure.code] ?? 0) + 1;
    if (this.failures.length < MAX_FAILURE_DETAILS) this.failures.push(failure);
  }

  symbolDone(): void {
    this.symbolsDone++;
  }

  finish(status: Exclude<WarmupStatus, 'running'>, error?: string): void {
    if (this.status !== 'running') return;
    this.status = status;
    this.error = error;
    this.finishedAt = this.now();
    this.settle();
  }

  snapshot(): WarmupProgress {
    const end = this.finishedAt ?? this.now();
    const elapsedMs = Math.max(0, end - this.startedAt);
    const seconds = elapsedMs / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const running = this.status === 'running';
    return {
      id: this.id,
      trigger: this.trigger,
      status: this.status,
      policies: [...this.policies],
      symbols: this.symbolCount,
      total: this.total,
      done: this.done,
      failed: this.failed,
      symbolsDone: this.symbolsDone,
      percent: this.total > 0 ? Math.floor((this.done / this.total) * 1000) / 10 : running ? 0 : 100,
      rate: round(rate),
      symbolsPerSecond: round(seconds > 0 ? this.symbolsDone / seconds : 0),
      etaMs: running && rate > 0 ? Math.round((this.total - this.done) / rate * 1000) : null,
      elapsedMs,
      startedAt: new Date(this.startedAt).toISOString(),
      finishedAt: this.finishedAt === undefined ? null : new Date(this.finishedAt).toISOString(),
      failuresByCode: { ...this.failuresByCode },
      failures: this.failures.map((f) => ({ ...f })),
      ...(this.error ? { error: this.error } : {}),
    };
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
