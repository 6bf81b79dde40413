/**
 * The service's one notion of "now". Everything that decides a lifetime (cache entries, the
 * exchange calendar, the synthetic market, scan dates) asks this provider, so tests and benchmarks
 * can run a simulated week in seconds (`ManualClock`).
 */
export abstract class Clock {
  /** Epoch milliseconds. */
  abstract now(): number;

  date(): Date {
    return new Date(this.now());
  }
}

/** Wall-clock time (the default). */
export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}

/** A clock that moves only when told: tests and the calendar benchmark. */
export class ManualClock extends Clock {
  constructor(private current: number) {
    super();
  }

  now(): number {
    return this.current;
  }

  set(epochMs: number): void {
    this.current = epochMs;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
