import { ReadinessState } from './readiness.state';

describe(ReadinessState.name, () => {
  it('is starting until booted, ready after, and shutting down for good once shutdown begins', () => {
    const sut = new ReadinessState();
    expect(sut.phase).toBe('starting');
    sut.markBooted();
    expect(sut.ready).toBe(true);
    sut.beginShutdown();
    expect(sut.phase).toBe('shutting-down');
    sut.markBooted();
    expect(sut.ready).toBe(false);
  });

  it('waits for every gate, released whether it fulfils or rejects', async () => {
    const sut = new ReadinessState();
    let release!: () => void;
    let fail!: (error: Error) => void;
    sut.holdUntil('a', new Promise<void>((resolve) => (release = resolve)));
    sut.holdUntil('b', new Promise<void>((_, reject) => (fail = reject)));
    sut.markBooted();
    expect(sut.phase).toBe('starting');
    expect(sut.waitingFor).toEqual(['a', 'b']);

    release();
    await Promise.resolve();
    expect(sut.waitingFor).toEqual(['b']);
    fail(new Error('warmup failed'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sut.waitingFor).toEqual([]);
    expect(sut.ready).toBe(true);
  });
});
