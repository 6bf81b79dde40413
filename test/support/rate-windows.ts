/** The most events in any window of `windowMs`, sliding (anchored at each event). */
export function maxInWindow(times: readonly number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** Events per whole second since the first one (the mock's per-second counts). */
export function perSecond(times: readonly number[]): number[] {
  if (times.length === 0) return [];
  const first = Math.min(...times);
  const counts: number[] = [];
  for (const t of times) {
    const s = Math.floor((t - first) / 1000);
    counts[s] = (counts[s] ?? 0) + 1;
  }
  return Array.from(counts, (c) => c ?? 0);
}
