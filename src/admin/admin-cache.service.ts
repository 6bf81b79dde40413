import { Injectable, Logger } from '@nestjs/common';
import { CACHE_SCHEMA_VERSION, CacheAdminService, CacheService, type BackendInfo, type HotKey, type KeyPage, type PolicyStats } from '../cache';
import { DRY_RUN_SAMPLE, MAX_KEYS_PAGE } from './admin-cache.dto';

// Counting keys per policy SCANs everything under the prefix: stop at this many keys or pages
// (a SCAN page with MATCH may hold no match at all) and say the counts are lower bounds.
const COUNT_MAX_KEYS = 100_000;
const COUNT_MAX_PAGES = 500;

export interface PolicyReport extends PolicyStats {
  hits: number;
  hitRate: number;
  keys: number;
}

export interface AdminStats {
  backend: 'redis' | 'memory';
  breaker: string;
  hitRate: number;
  policies: Record<string, PolicyReport>;
  keys: { source: 'redis' | 'memory'; counted: number; capped: boolean };
  topKeys: HotKey[];
  l1: { entries: number; bytes: number; maxEntries: number; maxBytes: number };
  l2: { errors: number; timeouts: number; circuitOpenRejections: number; corruptEntries: number };
}

const hitsOf = (s: PolicyStats) => s.hitsL1 + s.hitsL2 + s.stale;

/**
 * The admin API's rules over the cache's operator verbs: page caps, per-policy reports, and an
 * audit line (who, what, how many) for every destructive call. Patterns go to the cache as
 * given; it applies them inside REDIS_PREFIX, so none reaches another application's keys.
 */
@Injectable()
export class AdminCacheService {
  private readonly logger = new Logger(AdminCacheService.name);

  constructor(
    private readonly cache: CacheService,
    private readonly admin: CacheAdminService,
  ) {}

  info(): Promise<BackendInfo> {
    return this.admin.info();
  }

  listKeys(pattern: string, cursor: string, count: number): Promise<KeyPage> {
    return this.admin.listKeys(pattern, cursor, Math.min(count, MAX_KEYS_PAGE));
  }

  async ttl(key: string): Promise<{ key: string; l1Seconds: number | null; l2Seconds: number | null }> {
    const { l1Ms, l2Ms } = await this.admin.ttl(key);
    const seconds = (ms: number | undefined) => (ms === undefined ? null : Math.round(ms) / 1000);
    return { key, l1Seconds: seconds(l1Ms), l2Seconds: seconds(l2Ms) };
  }

  async stats(top: number): Promise<AdminStats> {
    const snapshot = this.cache.stats();
    const keys = await this.countKeysPerPolicy();
    const names = new Set([...Object.keys(snapshot.policies), ...Object.keys(keys.perPolicy)]);
    const policies: Record<string, PolicyReport> = {};
    for (const name of [...names].sort()) {
      const counters = snapshot.policies[name] ?? { hitsL1: 0, hitsL2: 0, misses: 0, stale: 0, factoryRuns: 0, factoryErrors: 0, coalesced: 0 };
      const hits = hitsOf(counters);
      const lookups = hits + counters.misses;
      policies[name] = { ...counters, hits, hitRate: lookups === 0 ? 0 : hits / lookups, keys: keys.perPolicy[name] ?? 0 };
    }
    return {
      backend: snapshot.backend,
      breaker: snapshot.breaker,
      hitRate: snapshot.hitRate,
      policies,
      keys: { source: keys.source, counted: keys.counted, capped: keys.capped },
      topKeys: this.admin.topKeys(top),
      l1: snapshot.l1,
      l2: snapshot.l2,
    };
  }

  async deleteByPattern(actor: string, pattern: string): Promise<{ deleted: number }> {
    const deleted = await this.cache.deleteByPattern(pattern);
    this.logger.warn(`Admin key ${actor} deleted ${deleted} keys matching pattern ${JSON.stringify(pattern)}`);
    return { deleted };
  }

  /** What `deleteByPattern` would remove, removing nothing (logged at info: it changes nothing). */
  async previewDelete(actor: string, pattern: string): Promise<{ deleted: 0; dryRun: true; wouldDelete: number; sample: string[] }> {
    const { count, sample } = await this.admin.previewPattern(pattern, DRY_RUN_SAMPLE);
    this.logger.log(`Admin key ${actor} dry-ran a delete of pattern ${JSON.stringify(pattern)}: ${count} keys`);
    return { deleted: 0, dryRun: true, wouldDelete: count, sample };
  }

  /** Every entry built from `symbol` (values, derived values, HTTP responses), on every replica. */
  async invalidateSymbol(actor: string, symbol: string): Promise<{ symbol: string; deleted: number }> {
    const normalized = symbol.trim().toUpperCase();
    const deleted = await this.cache.invalidateSymbol(normalized);
    this.logger.warn(`Admin key ${actor} invalidated symbol ${normalized} (${deleted} keys)`);
    return { symbol: normalized, deleted };
  }

  async invalidateTag(actor: string, tag: string): Promise<{ deleted: number }> {
    const deleted = await this.cache.invalidateTag(tag);
    this.logger.warn(`Admin key ${actor} invalidated tag ${JSON.stringify(tag)} (${deleted} keys)`);
    return { deleted };
  }

  private async countKeysPerPolicy(): Promise<{ source: 'redis' | 'memory'; perPolicy: Record<string, number>; counted: number; capped: boolean }> {
    const perPolicy: Record<string, number> = {};
    let counted = 0;
    let cursor = '0';
    let source: 'redis' | 'memory' | undefined;
    for (let pages = 0; pages < COUNT_MAX_PAGES; pages++) {
      const page = await this.admin.listKeys(`v${CACHE_SCHEMA_VERSION}:*`, cursor, MAX_KEYS_PAGE);
      // Redis went away (or came back) mid-count: the cursor means something else now.
      if (source !== undefined && page.source !== source) return { source, perPolicy, counted, capped: true };
      source = page.source;
      for (const key of page.keys) {
        const policy = key.split(':', 3)[1] ?? 'unknown';
        perPolicy[policy] = (perPolicy[policy] ?? 0) + 1;
      }
      counted += page.keys.length;
      cursor = page.cursor;
      if (cursor === '0') return { source, perPolicy, counted, capped: false };
      if (counted >= COUNT_MAX_KEYS) break;
    }
    return { source: source ?? 'memory', perPolicy, counted, capped: true };
  }
}
