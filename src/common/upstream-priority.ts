import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who is asking the upstream, highest first: a client request, a refresh-ahead of an entry about
 * to go stale, a warmup or scheduled scan. Carried through the async call chain; a call made
 * outside any `runWithUpstreamPriority` is interactive.
 */
export type UpstreamPriority = 'interactive' | 'refresh' | 'background';

const storage = new AsyncLocalStorage<UpstreamPriority>();

export function runWithUpstreamPriority<T>(priority: UpstreamPriority, fn: () => T): T {
  return storage.run(priority, fn);
}

export function currentUpstreamPriority(): UpstreamPriority {
  return storage.getStore() ?? 'interactive';
}

const RANK: Record<UpstreamPriority, number> = { interactive: 0, refresh: 1, background: 2 };

/** Runs `fn` at `priority` or at the caller's own, whichever is lower (a warmup's refresh stays background). */
export function runAtMostUpstreamPriority<T>(priority: UpstreamPriority, fn: () => T): T {
  const current = currentUpstreamPriority();
  return storage.run(RANK[current] >= RANK[priority] ? current : priority, fn);
}
