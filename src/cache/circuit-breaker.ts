import CircuitBreakerImpl from 'opossum';
import { l2FailedInThisRequest, noteL2FailureInThisRequest } from './l2-request-scope';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface L2GuardOptions {
  /** Deadline of one operation, ms. */
  timeoutMs: number;
  errorPercent: number;
  minRequests: number;
  windowMs: number;
  openMs: number;
  /** Errors that say nothing about Redis' health (a command dropped by our own client reset): never counted as failures. */
  ignoreError?: (error: unknown) => boolean;
}

/** Raised (and caught by the remote tier) when an L2 operation misses its deadline. */
export class L2TimeoutError extends Error {
  readonly code = 'L2_TIMEOUT';
}

/**
 * `op` bounded by `timeoutMs`. When the timer fires, the verdict waits one `setImmediate`: timers
 * run before the event loop polls for I/O, so after a stall (a burst of 500 requests parsing) a
 * reply already sitting in the socket would otherwise be judged late unread. Once polled, a reply
 * that arrived settles `op` first; a frozen Redis still fails within the deadline plus one turn.
 */
function withDeadline<T>(op: () => Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(
      () =>
        setImmediate(() => {
          if (!settled) reject(new L2TimeoutError(`L2 operation exceeded ${timeoutMs} ms`));
          settled = true;
        }),
      timeoutMs,
    );
    op().then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Raised without touching Redis while the breaker is open. */
export class L2CircuitOpenError extends Error {
  readonly code = 'L2_CIRCUIT_OPEN';
}

/** Refused at once: an earlier L2 call of the same request failed (`l2-request-scope.ts`). Handled as an open breaker. */
export class L2SkippedInRequestError extends L2CircuitOpenError {}

type Operation = () => Promise<unknown>;

/**
 * The deadline and circuit breaker every Redis call goes through, built on `opossum`.
 *
 * The deadline is a JS timer of ours, not node-redis' command timeout, which stops guarding a
 * command once it is written to the socket and so never fires on a frozen (SIGSTOPped) server.
 * The breaker opens when `errorPercent` of at least `minRequests` calls in the rolling window
 * fail or time out, or after `minRequests` failures in a row; after `openMs` it lets exactly one
 * probe through (half-open) and closes on its success. While open, calls fail in microseconds and
 * the cache runs on L1 + factory.
 *
 * The in-a-row rule is ours: after a busy healthy spell the rolling window holds thousands of
 * successes, and a Redis that froze would have to fail as many calls again (seconds of requests
 * each waiting the deadline, several times per request) before the percentage alone opens it. It
 * counts only timeouts of a silent Redis: none while any other call got an answer within the
 * deadline, and none whose timer fired late (a busy event loop).
 */
export class L2Guard {
  private readonly breaker: CircuitBreakerImpl<[Operation], unknown>;
  private readonly listeners = new Set<(state: BreakerState) => void>();
  private readonly stallListeners = new Set<() => void>();
  private failuresInARow = 0;
  /** When Redis last answered anything (a value or an error of its own); a silent Redis is what the in-a-row rule is for. */
  private lastReplyAt = performance.now();

  constructor(readonly options: L2GuardOptions) {
    this.breaker = new CircuitBreakerImpl((op: Operation) => withDeadline(op, options.timeoutMs), {
      // Our deadline (withDeadline), not opossum's: see there.
      timeout: false,
      // opossum opens strictly above its threshold; ours opens at `errorPercent` or more.
      errorThresholdPercentage: options.errorPercent - 0.001,
      volumeThreshold: options.minRequests,
      rollingCountTimeout: options.windowMs,
      rollingCountBuckets: 10,
      resetTimeout: options.openMs,
      allowWarmUp: false,
      errorFilter: (error: unknown) => options.ignoreError?.(error) ?? false,
    });
    const notify = () => this.listeners.forEach((listener) => listener(this.state));
    this.breaker.on('open', notify);
    this.breaker.on('halfOpen', notify);
    this.breaker.on('close', notify);
  }

  /**
   * Runs `op` under the deadline and the breaker.
   * @throws L2TimeoutError past the deadline, L2CircuitOpenError while open, or `op`'s own error.
   */
  async run<T>(op: () => Promise<T>): Promise<T> {
    // Not counted by the breaker: the failure that set this was counted once.
    if (l2FailedInThisRequest()) throw new L2SkippedInRequestError('L2 skipped: an earlier L2 call of this request failed');
    const started = performance.now();
    const probe = this.breaker.halfOpen;
    try {
      const result = (await this.breaker.fire(() => op().finally(() => (this.lastReplyAt = performance.now())))) as T;
      this.failuresInARow = 0;
      return result;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EOPENBREAKER') throw new L2CircuitOpenError('L2 circuit is open');
      if (this.options.ignoreError?.(error)) throw error;
      noteL2FailureInThisRequest();
      const silent = error instanceof L2TimeoutError && !this.timerWasLate(started) && !this.redisAnsweredWithin();
      if (!(error instanceof L2TimeoutError) || silent) this.countFailureInARow();
      if (probe && silent) this.stallListeners.forEach((listener) => listener());
      throw error;
    }
  }

  /**
   * `listener` runs when the half-open probe times out on a silent Redis: the connection has
   * answered nothing through the whole open window and the probe. Frozen or out of step (a
   * misframed reply that swallows every later one looks exactly like this), it is worth a new one.
   */
  onStall(listener: () => void): void {
    this.stallListeners.add(listener);
  }

  /**
   * Closes the breaker: the failures it counted belonged to a connection that was replaced, and the
   * new one deserves a first call now rather than after the open window. Fails again, it reopens.
   */
  forgive(): void {
    this.failuresInARow = 0;
    if (this.state !== 'closed') this.breaker.close();
  }

  /**
   * Whether some other call got an answer during the last deadline: then Redis is alive but slow
   * for this call (a busy server, a big pipeline ahead of it), which the percentage rule judges;
   * opening on it would drop writes under load. A frozen or vanished Redis answers nothing.
   */
  private redisAnsweredWithin(): boolean {
    return performance.now() - this.lastReplyAt < this.options.timeoutMs;
  }

  private countFailureInARow(): void {
    if (++this.failuresInARow >= this.options.minRequests && !this.breaker.opened) this.breaker.open();
  }

  /**
   * A deadline that fired well after it was due says the event loop was busy, not that Redis was
   * silent: a burst of such timeouts under CPU load must not open the breaker by the in-a-row rule
   * (the percentage rule still counts them). A frozen Redis leaves the loop idle, so its timeouts
   * fire on time.
   */
  private timerWasLate(started: number): boolean {
    return performance.now() - started > this.options.timeoutMs + Math.max(20, this.options.timeoutMs / 2);
  }

  get state(): BreakerState {
    if (this.breaker.opened) return 'open';
    return this.breaker.halfOpen ? 'half-open' : 'closed';
  }

  onStateChange(listener: (state: BreakerState) => void): void {
    this.listeners.add(listener);
  }

  /** Stops the rolling-window timers (module shutdown, tests). */
  shutdown(): void {
    this.breaker.shutdown();
  }
}
