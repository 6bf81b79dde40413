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
