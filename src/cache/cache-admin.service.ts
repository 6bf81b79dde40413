import { Inject, Injectable } from '@nestjs/common';
import { CACHE_MODULE_OPTIONS, type CacheModuleOptions } from './cache.module-definition';
import { CacheStack } from './cache-stack';
import { globToRegExp } from './glob';
import type { HotKey } from './hot-keys';
import { isCacheKey } from './key-namespace';
import { refreshAhead, type RefreshAheadOptions } from './refresh-ahead';
import { RedisConnection } from './redis-connection';

/** A page of keys: from Redis (SCAN cursor) or, when Redis is unavailable, from L1 (offset cursor). */
export interface KeyPage {
  source: 'redis' | 'memory';
  keys: string[];
  /** Pass back to continue; '0' when the listing is complete. */
  cursor: string;
}

export interface BackendInfo {
  backend: 'redis' | 'memory';
  breaker: string;
  prefix: string;
  redis?: { server: Record<string, string>; keysUnderPrefix: number; keysCountCapped: boolean };
}

/** What a pattern delete would remove: how many keys, and the first few of them. */
export interface PatternPreview {
  source: 'redis' | 'memory';
  count: number;
  sample: string[];
}

// Counting keys under the prefix SCANs; stop early on huge databases and say so.
const KEY_COUNT_CAP = 200_000;
// SCAN page of a dry run: the size a real pattern delete uses.
const PREVIEW_PAGE = 500;

/**
 * Operator verbs over the cache (the admin API and the warmer use them; features use
 * `CacheService`). Every pattern is applied inside `REDIS_PREFIX`, so nothing outside it can be
 * listed or touched.
 */
@Injectable()
export class CacheAdminService {
  constructor(
    private readonly stack: CacheStack,
    private readonly connection: RedisConnection,
    @Inject(CACHE_MODULE_OPTIONS) private readonly options: CacheModuleOptions,
  ) {}

  /** One page of keys matching a Redis glob (inside the prefix); `count` is a SCAN hint. */
  async listKeys(logicalPattern: string, cursor: string, count: number): Promise<KeyPage> {
    // As for deletes: a pattern naming a policy lists this generation's keys of it.
    const pattern = this.stack.keys.scope(logicalPattern);
    const remote = this.connection.remote;
    if (remote?.available && /^\d+$/.test(cursor)) {
      const page = await remote.scanKeys(pattern, cursor, count);
      if (page) return { source: 'redis', ...page };
    }
    const regex = globToRegExp(pattern);
    const offset = /^\d+$/.test(cursor) ? Number(cursor) : 0;
    const { keys, next } = this.stack.local.keys((key) => regex.test(key), offset, count);
    return { source: 'memory', keys, cursor: next === undefined ? '0' : String(next) };
  }

  /**
   * The keys `deleteByPattern(pattern)` would delete now, counted the same way (Redis when it
   * answers, else L1) and deleting nothing: every SCAN page is walked, `sampleSize` keys kept.
   */
  async previewPattern(pattern: string, sampleSize: number): Promise<PatternPreview> {
    let preview: PatternPreview = { source: 'memory', count: 0, sample: [] };
    let cursor = '0';
    let restarts = 0;
    for (;;) {
      const page = await this.listKeys(pattern, cursor, PREVIEW_PAGE);
      if (cursor !== '0' && page.source !== preview.source && restarts++ < 3) {
        // Redis went away (or came back) mid-walk: the cursor means something else there; start over.
        preview = { source: page.source, count: 0, sample: [] };
        cursor = '0';
        continue;
      }
      preview.source = page.source;
      preview.count += page.keys.length;
      preview.sample.push(...page.keys.slice(0, Math.max(0, sampleSize - preview.sample.length)));
      cursor = page.cursor;
      if (cursor === '0') return preview;
    }
  }

  /** Remaining lifetime in each tier, ms (undefined: not held there, or Redis unavailable). */
  async ttl(key: string): Promise<{ key: string; l1Ms?: number; l2Ms?: number }> {
    // A key as built (`v1:price:AAPL`) or as stored (with its generation mark): the same entry.
    const stored = this.stack.keys.scope(key);
    const l1Ms = this.stack.local.remainingMs(stored);
    // Only the cache's keys: state (alerts, leases) is not the admin cache API's to inspect.
    const l2 = isCacheKey(stored) ? await this.connection.remote?.pttl(stored) : undefined;
    return { key, l1Ms, l2Ms: l2 !== undefined && l2 >= 0 ? l2 : undefined };
  }

  async info(): Promise<BackendInfo> {
    const remote = this.connection.remote;
    const base = { breaker: this.connection.breakerState, prefix: this.options.prefix };
    if (!remote?.available) return { backend: 'memory', ...base };
    const [server, counted] = await Promise.all([remote.serverInfo(), remote.countKeys(KEY_COUNT_CAP)]);
    if (!server || !counted) return { backend: 'memory', ...base };
    return { backend: 'redis', ...base, redis: { server, keysUnderPrefix: counted.count, keysCountCapped: counted.capped } };
  }

  /** The most requested keys (recent window), most requested first. */
  topKeys(limit: number): HotKey[] {
    return this.stack.hotKeys.top(limit);
  }

  /** One refresh-ahead pass over hot keys about to go stale; returns how many were refreshed. */
  refreshAhead(options: RefreshAheadOptions): Promise<number> {
    return refreshAhead(this.stack, options, this.options.now?.() ?? Date.now());
  }
}
