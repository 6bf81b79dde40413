import { SingleFlight } from './single-flight';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe(SingleFlight.name, () => {
  let sut: SingleFlight;

  beforeEach(() => {
    sut = new SingleFlight();
  });

  it('calls fn once for 500 concurrent runs on one key and gives every caller the value', async () => {
    const gate = deferred<{ price: number }>();
    const fn = jest.fn(() => gate.promise);

    const runs = Array.from({ length: 500 }, () => sut.run('v1:price:AAPL', fn));
    expect(sut.size).toBe(1);
    expect(sut.has('v1:price:AAPL')).toBe(true);
    const value = { price: 187.5 };
    gate.resolve(value);
    const results = await Promise.all(runs.map((r) => r.promise));

    expect(fn).toHaveBeenCalledTimes(1);
    expect(results).toHaveLength(500);
    for (const result of results) expect(result).toBe(value);
    expect(runs[0].joined).toBe(false);
    expect(runs.slice(1).every((r) => r.joined)).toBe(true);
    expect(sut.size).toBe(0);
    expect(sut.has('v1:price:AAPL')).toBe(false);
  });

  it('hands a rejection to every waiter, then runs fn again on the next call', async () => {
    const gate = deferred<number>();
    const failure = new Error('upstream down');
    const fn = jest.fn(() => gate.promise);

    const runs = Array.from({ length: 50 }, () => sut.run('k', fn));
    gate.reject(failure);
    const settled = await Promise.allSettled(runs.map((r) => r.promise));

    expect(fn).toHaveBeenCalledTimes(1);
    for (const outcome of settled) expect(outcome).toEqual({ status: 'rejected', reason: failure });
    expect(sut.size).toBe(0);

    const retry = sut.run('k', async () => 42);
    expect(retry.joined).toBe(false);
    await expect(retry.promise).resolves.toBe(42);
    expect(sut.size).toBe(0);
  });

  it('runs fn again for a call made after the previous one settled successfully', async () => {
    const fn = jest.fn(async () => 'v');

    await sut.run('k', fn).promise;
    await sut.run('k', fn).promise;

    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('turns a synchronous throw in fn into a rejection', async () => {
    const failure = new Error('sync boom');
    const fn = (): Promise<number> => {
      throw failure;
    };

    const run = sut.run('k', fn);

    expect(run.joined).toBe(false);
    await expect(run.promise).rejects.toBe(failure);
  });

  it('forgets the key after fn throws synchronously, so the next run calls fn again', async () => {
    const failing = (): Promise<number> => {
      throw new Error('sync boom');
    };
    await sut.run('k', failing).promise.catch(() => undefined);
    const fn = jest.fn(async () => 42);

    const next = sut.run('k', fn);

    await expect(next.promise).resolves.toBe(42);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(sut.size).toBe(0);
  });

  it('does not share between different keys', async () => {
    const a = deferred<string>();
    const b = deferred<string>();
    const fnA = jest.fn(() => a.promise);
    const fnB = jest.fn(() => b.promise);

    const runA = sut.run('a', fnA);
    const runB = sut.run('b', fnB);
    expect(runB.joined).toBe(false);
    expect(sut.size).toBe(2);
    b.resolve('B');
    await expect(runB.promise).resolves.toBe('B');
    expect(sut.size).toBe(1);
    expect(sut.has('a')).toBe(true);
    a.resolve('A');

    await expect(runA.promise).resolves.toBe('A');
    expect(fnA).toHaveBeenCalledTimes(1);
    expect(fnB).toHaveBeenCalledTimes(1);
    expect(sut.size).toBe(0);
  });

  it('keeps a failure on one key away from waiters on another', async () => {
    const ok = sut.run('ok', async () => 'fine');
    const bad = sut.run('bad', async () => {
      throw new Error('nope');
    });

    await expect(bad.promise).rejects.toThrow('nope');
    await expect(ok.promise).resolves.toBe('fine');
  });

  it('returns size to 0 after many keys settle, successes and failures mixed', async () => {
    const runs = Array.from({ length: 1_000 }, (_, i) =>
      sut.run(`k${i % 100}`, async () => {
        if (i % 7 === 0) throw new Error(`fail ${i}`);
        return i;
      }),
    );
    expect(sut.size).toBe(100);

    await Promise.allSettled(runs.map((r) => r.promise));

    expect(sut.size).toBe(0);
    expect(runs.filter((r) => !r.joined)).toHaveLength(100);
  });
});
