import { LatencyWindow } from './latency-window';

describe(LatencyWindow.name, () => {
  it('summarises what was observed since the last drain, then starts over', () => {
    const sut = new LatencyWindow();
    expect(sut.drain()).toBeNull();
    for (let ms = 1; ms <= 100; ms++) sut.observe(ms);
    expect(sut.drain()).toEqual({ count: 100, p50Ms: 50, p95Ms: 95, maxMs: 100 });
    expect(sut.drain()).toBeNull();
    sut.observe(7);
    expect(sut.drain()).toEqual({ count: 1, p50Ms: 7, p95Ms: 7, maxMs: 7 });
  });

  it('keeps count and max exact beyond the durations it keeps for percentiles', () => {
    const sut = new LatencyWindow();
    for (let i = 0; i < 20_000; i++) sut.observe(1);
    sut.observe(500);
    expect(sut.drain()).toMatchObject({ count: 20_001, p50Ms: 1, maxMs: 500 });
  });
});
