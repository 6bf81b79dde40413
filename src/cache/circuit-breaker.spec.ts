import { stat } from 'node:fs';
import { L2CircuitOpenError, L2Guard, L2TimeoutError, type BreakerState, type L2GuardOptions } from './circuit-breaker';

const OPTIONS: L2GuardOptions = { timeoutMs: 50, errorPercent: 50, minRequests: 5, windowMs: 10_000, openMs: 100 };

const never = () => new Promise<never>(() => undefined);
const failing = (message = 'ECONNRESET') => () => Promise.reject(new Error(message));

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe(L2Guard.name, () => {
  let sut: L2Guard;
  let states: BreakerState[];

  function build(overrides: Partial<L2GuardOptions> = {}): L2Guard {
    sut = new L2Guard({ ...OPTIONS, ...overrides });
    states = [];
    sut.onStateChange((state) => states.push(state));
    return sut;
  }

  /** Resolves on the next transition to `state` (listener-driven, not a fixed sleep). */
  function nextState(state: BreakerState, withinMs = 1_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${state}' within ${withinMs} ms`)), withinMs);
      sut.onStateChange((s) => {
        if (s === state) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  async function failTimes(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await expect(sut.run(failing())).rejects.toThrow('ECONNRESET');
  }

  afterEach(() => {
    sut.shutdown();
  });

  it('passes a value through while closed', async () => {
    build();

    await expect(sut.run(async () => ({ ok: 1 }))).resolves.toEqual({ ok: 1 });
    expect(sut.state).toBe('closed');
  });

  it("passes the operation's own error through unchanged", async () => {
    build();
    const own = Object.assign(new Error('WRONGTYPE'), { code: 'ERR_REDIS' });

    await expect(sut.run(() => Promise.reject(own))).rejects.toBe(own);
  });

  it('rejects an operation that never resolves with L2TimeoutError within timeoutMs + 50 ms', async () => {
    build();
    const started = performance.now();

    const error = await sut.run(never).catch((e: unknown) => e);
    const elapsed = performance.now() - started;

    expect(error).toBeInstanceOf(L2TimeoutError);
    expect((error as L2TimeoutError).code).toBe('L2_TIMEOUT');
    expect((error as L2TimeoutError).message).toContain('50 ms');
    expect(elapsed).toBeGreaterThanOrEqual(OPTIONS.timeoutMs - 2);
    expect(elapsed).toBeLessThan(OPTIONS.timeoutMs + 50);
  });

  it('stays closed below minRequests, however many of them fail', async () => {
    build();

    await failTimes(OPTIONS.minRequests - 1);

    expect(sut.state).toBe('closed');
    expect(states).toEqual([]);
  });

  it('stays closed while the failure rate is below errorPercent', async () => {
    build();
    for (let i = 0; i < 6; i++) await sut.run(async () => 'ok');

    await failTimes(4);

    expect(sut.state).toBe('closed');
  });

  it('opens after minRequests failures and then rejects with L2CircuitOpenError without calling the op', async () => {
    build();

    await failTimes(OPTIONS.minRequests);
    expect(sut.state).toBe('open');
    const op = jest.fn(async () => 'never called');
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => sut.run(op)));

    expect(op).not.toHaveBeenCalled();
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(L2CircuitOpenError);
      expect((result as PromiseRejectedResult).reason.code).toBe('L2_CIRCUIT_OPEN');
    }
    expect(states).toEqual(['open']);
  });

  it('opens after minRequests failures in a row even when the window is full of earlier successes', async () => {
    build();
    for (let i = 0; i < 1_000; i++) await sut.run(async () => 'ok');

    await failTimes(OPTIONS.minRequests - 1);
    expect(sut.state).toBe('closed');
    await sut.run(async () => 'ok');
    await failTimes(OPTIONS.minRequests - 1);
    expect(sut.state).toBe('closed');
    const timedOut = await Promise.all(Array.from({ length: OPTIONS.minRequests }, () => sut.run(never).catch((e: unknown) => e)));

    for (const outcome of timedOut) expect(outcome).toBeInstanceOf(L2TimeoutError);
    expect(sut.state).toBe('open');
    expect(states).toEqual(['open']);
    await nextState('half-open');
  });

  it('reads a reply that arrived while the event loop was stalled past the deadline, instead of calling it late', async () => {
    build();
    // Stalled in the check phase, so the loop next runs the timers (the deadline is due by then) and
    // only then polls the I/O completion (thread pool) that landed during the stall.
    const { reply } = await new Promise<{ reply: Promise<string> }>((started) =>
      setImmediate(() => {
        const pending = sut.run(() => new Promise<string>((resolve) => stat(__filename, () => resolve('ok'))));
        const busyUntil = Date.now() + OPTIONS.timeoutMs * 4;
        while (Date.now() < busyUntil) {
          // stalled
        }
        started({ reply: pending });
      }),
    );

    await expect(reply).resolves.toBe('ok');
  });

  it('does not open by the in-a-row rule while other calls keep getting answers (Redis slow, not silent)', async () => {
    build();
    for (let i = 0; i < 1_000; i++) await sut.run(async () => 'ok');

    const slow = Array.from({ length: OPTIONS.minRequests * 2 }, () => sut.run(never).catch((e: unknown) => e));
    const answering = setInterval(() => void sut.run(async () => 'ok'), 5);
    const outcomes = await Promise.all(slow);
    clearInterval(answering);

    for (const outcome of outcomes) expect(outcome).toBeInstanceOf(L2TimeoutError);
    expect(sut.state).toBe('closed');
  });

  it('does not count late-firing timeouts (a busy event loop) toward the in-a-row rule', async () => {
    build();
    for (let i = 0; i < 1_000; i++) await sut.run(async () => 'ok');

    const pending = Array.from({ length: OPTIONS.minRequests * 2 }, () => sut.run(never).catch((e: unknown) => e));
    const busyUntil = Date.now() + OPTIONS.timeoutMs * 4;
    while (Date.now() < busyUntil) {
      // the loop is blocked: every deadline fires late
    }
    const outcomes = await Promise.all(pending);

    for (const outcome of outcomes) expect(outcome).toBeInstanceOf(L2TimeoutError);
    expect(sut.state).toBe('closed');
  });

  it('counts timeouts as failures', async () => {
    build();

    const outcomes = await Promise.all(Array.from({ length: OPTIONS.minRequests }, () => sut.run(never).catch((e: unknown) => e)));

    for (const outcome of outcomes) expect(outcome).toBeInstanceOf(L2TimeoutError);
    expect(sut.state).toBe('open');
  });

  it('after openMs lets exactly one half-open probe through, and its success closes the breaker', async () => {
    build();
    await failTimes(OPTIONS.minRequests);
    const openedAt = performance.now();
    const halfOpen = nextState('half-open');
    const op = jest.fn(async () => 'x');
    await expect(sut.run(op)).rejects.toBeInstanceOf(L2CircuitOpenError);

    await halfOpen;
    expect(performance.now() - openedAt).toBeGreaterThanOrEqual(OPTIONS.openMs - 5);
    expect(sut.state).toBe('half-open');
    const probeGate = deferred<string>();
    const probe = jest.fn(() => probeGate.promise);
    const probeRun = sut.run(probe);
    const concurrent = sut.run(op);

    await expect(concurrent).rejects.toBeInstanceOf(L2CircuitOpenError);
    expect(op).not.toHaveBeenCalled();
    expect(probe).toHaveBeenCalledTimes(1);
    probeGate.resolve('pong');
    await expect(probeRun).resolves.toBe('pong');
    expect(sut.state).toBe('closed');
    await expect(sut.run(op)).resolves.toBe('x');
    expect(op).toHaveBeenCalledTimes(1);
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('reopens when the half-open probe fails, and half-opens again after another openMs', async () => {
    build();
    await failTimes(OPTIONS.minRequests);
    await nextState('half-open');

    await expect(sut.run(failing('still down'))).rejects.toThrow('still down');

    expect(sut.state).toBe('open');
    const op = jest.fn(async () => 'x');
    await expect(sut.run(op)).rejects.toBeInstanceOf(L2CircuitOpenError);
    expect(op).not.toHaveBeenCalled();
    expect(states).toEqual(['open', 'half-open', 'open']);
    await nextState('half-open');
    expect(sut.state).toBe('half-open');
  });

  it('reopens when the half-open probe times out', async () => {
    build();
    await failTimes(OPTIONS.minRequests);
    await nextState('half-open');

    await expect(sut.run(never)).rejects.toBeInstanceOf(L2TimeoutError);

    expect(sut.state).toBe('open');
    expect(states).toEqual(['open', 'half-open', 'open']);
  });

  it('opens when every call fails and errorPercent is 100', async () => {
    build({ errorPercent: 100 });

    await failTimes(OPTIONS.minRequests);

    expect(sut.state).toBe('open');
  });

  describe('client resets', () => {
    it('reports a stall when the half-open probe times out on a silent Redis', async () => {
      build();
      const stalls: number[] = [];
      sut.onStall(() => stalls.push(Date.now()));
      await failTimes(OPTIONS.minRequests);
      await nextState('half-open');

      await expect(sut.run(never)).rejects.toBeInstanceOf(L2TimeoutError);

      expect(stalls).toHaveLength(1);
    });

    it('reports no stall for a timeout while closed, nor for a probe that fails with an answer', async () => {
      build();
      const stalls: number[] = [];
      sut.onStall(() => stalls.push(Date.now()));
      await expect(sut.run(never)).rejects.toBeInstanceOf(L2TimeoutError);
      // The timeout counted as the first failure in a row.
      await failTimes(OPTIONS.minRequests - 1);
      expect(sut.state).toBe('open');
      await nextState('half-open');

      await expect(sut.run(failing())).rejects.toThrow('ECONNRESET');

      expect(stalls).toEqual([]);
    });

    it('never opens on errors that ignoreError names (commands dropped by our own reset)', async () => {
      class Dropped extends Error {}
      build({ ignoreError: (error) => error instanceof Dropped });

      for (let i = 0; i < OPTIONS.minRequests * 3; i++) await expect(sut.run(() => Promise.reject(new Dropped('dropped')))).rejects.toBeInstanceOf(Dropped);

      expect(sut.state).toBe('closed');
      expect(states).toEqual([]);
    });

    it('forgive closes an open breaker at once: the next call reaches the operation', async () => {
      build();
      await failTimes(OPTIONS.minRequests);
      expect(sut.state).toBe('open');

      sut.forgive();

      await expect(sut.run(async () => 'served')).resolves.toBe('served');
      expect(sut.state).toBe('closed');
    });
  });
});
