import { Logger } from '@nestjs/common';
import { runAtMostUpstreamPriority } from '../common/upstream-priority';
import type { CacheStack } from './cache-stack';

export interface RefreshAheadOptions {
  /** Refresh keys whose TTL ends within this many ms. */
  withinMs: number;
  /** Only keys requested at least this often (in the decaying window). @default 2 */
  minHits?: number;
  /** At most this many refreshes per pass. @default 100 */
  limit?: number;
}

/**
 * Refresh-ahead: recomputes the most requested keys shortly before their TTL ends, with the
 * factory their callers last passed to `wrap`, so hot keys never go stale or miss. One pass,
 * sequential (the scheduler decides how often), each refresh single-flighted with callers.
 */
export async function refreshAhead(stack: CacheStack, options: RefreshAheadOptions, now = Date.now()): Promise<number> {
  const logger = new Logger('RefreshAhead');
  const limit = options.limit ?? 100;
  let refreshed = 0;
  for (const { key, hits } of stack.hotKeys.top(limit * 4)) {
    if (refreshed >= limit || hits < (options.minHits ?? 2)) break;
    const recipe = stack.hotKeys.recipe(key);
    const entry = stack.local.get(key);
    if (!recipe || !entry || entry.staleAt - now > options.withinMs) continue;
    try {
      await runAtMostUpstreamPriority('refresh', () => stack.getOrSet(recipe.policy, key, recipe.factory, { ...recipe.options, forceRefresh: true }));
      refreshed++;
    } catch (error) {
      logger.warn(`Refresh-ahead of ${key} failed: ${(error as Error).message}`);
    }
  }
  return refreshed;
}
