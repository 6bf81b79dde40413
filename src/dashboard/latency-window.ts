import type { LatencySummary } from './stats-series';

// Enough for stable percentiles; beyond it only count and max are exact (a busy replica makes
// thousands of L2 calls per interval, and sorting all of them each sample is wasted work).
const MAX_KEPT = 5000;

/** Durations observed since the last `drain()`, summarised as count, p50, p95 and max. */
export class LatencyWindow {
  private kept: number[] = [];
  private count = 0;
  private max = 0;

  observe(durationMs: number): void {
    this.count++;
    if (durationMs > this.max) this.max = durationMs;
    if (this.kept.length < MAX_KEPT) this.kept.push(durationMs);
  }

  /** The summary of everything observed since the previous call (null if nothing), then starts over. */
  drain(): LatencySummary | null {
    if (this.count === 0) return null;
    const sorted = this.kept.sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    const summary = { count: this.count, p50Ms: at(0.5), p95Ms: at(0.95), maxMs: this.max };
    this.kept = [];
    this.count = 0;
    this.max = 0;
    return summary;
  }
}
