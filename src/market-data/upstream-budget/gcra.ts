/**
 * The generic cell rate algorithm, as one decision: a call conforms when the theoretical arrival
 * time (`tat`) is at most `toleranceMs` ahead of it; each granted call moves `tat` on by one
 * interval. `toleranceMs = (burst - 1) × interval` lets `burst` calls through at once, then one per
 * interval, so no one-second window sees more than rate + burst calls. A call may also reserve a
 * slot up to `maxWaitMs` ahead (it then waits that long); beyond that it is refused with the wait
 * it would have had. The same arithmetic runs in Redis (`redis-rate-budget.ts`, the cluster's
 * budget) and here (a replica's share while Redis is unreachable).
 */
export interface GcraDecision {
  granted: boolean;
  /** Granted: how long to wait before calling. Refused: how long until a call would conform. */
  waitMs: number;
  /** The arrival time after this decision (unchanged when refused). */
  tat: number;
}

export function gcraDecide(tat: number, now: number, intervalMs: number, toleranceMs: number, maxWaitMs: number): GcraDecision {
  const base = Math.max(tat, now);
  const start = Math.max(now, base - toleranceMs);
  const waitMs = start - now;
  if (waitMs > maxWaitMs) return { granted: false, waitMs: Math.ceil(waitMs), tat };
  return { granted: true, waitMs: Math.ceil(waitMs), tat: base + intervalMs };
}

/** One process's bucket (no sharing). */
export class LocalGcra {
  constructor(public tat = 0) {}

  take(now: number, intervalMs: number, toleranceMs: number, maxWaitMs: number): GcraDecision {
    const decision = gcraDecide(this.tat, now, intervalMs, toleranceMs, maxWaitMs);
    this.tat = decision.tat;
    return decision;
  }
}
