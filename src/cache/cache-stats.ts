import type { CacheEvents } from './cache.events';
import type { BreakerState } from './circuit-breaker';

/** Counters for one policy. */
export interface PolicyStats {
  hitsL1: number;
  hitsL2: number;
  misses: number;
  stale: number;
  factoryRuns: number;
  factoryErrors: number;
  coalesced: number;
}

/** What `CacheService.stats()` reports. */
export interface CacheStatsSnapshot {
  backend: 'redis' | 'memory';
  breaker: BreakerState | 'disabled';
  hitRate: number;
  totals: PolicyStats;
  policies: Record<string, PolicyStats>;
  l2: { errors: number; timeouts: number; circuitOpenRejections: number; corruptEntries: number };
  l1: { entries: number; bytes: number; maxEntries: number; maxBytes: number };
}

const emptyPolicy = (): PolicyStats => ({ hitsL1: 0, hitsL2: 0, misses: 0, stale: 0, factoryRuns: 0, factoryErrors: 0, coalesced: 0 });

/**
 * Running counters fed by cache events. Policy names come from our key builders (a fixed set),
 * so the per-policy map cannot grow with user input.
 */
export class CacheStats {
  private readonly policies = new Map<string, PolicyStats>();
  private readonly l2 = { errors: 0, timeouts: 0, circuitOpenRejections: 0, corruptEntries: 0 };

  constructor(events: CacheEvents) {
    events.on('hit', ({ policy, tier }) => (tier === 'l1' ? this.of(policy).hitsL1++ : this.of(policy).hitsL2++));
    events.on('miss', ({ policy }) => this.of(policy).misses++);
    events.on('stale', ({ policy }) => this.of(policy).stale++);
    events.on('coalesced', ({ policy }) => this.of(policy).coalesced++);
    events.on('factory', ({ policy, ok }) => (ok ? this.of(policy).factoryRuns++ : this.of(policy).factoryErrors++));
    events.on('l2Error', ({ kind }) => {
      if (kind === 'timeout') this.l2.timeouts++;
      else if (kind === 'circuit-open') this.l2.circuitOpenRejections++;
      else if (kind === 'corrupt') this.l2.corruptEntries++;
      else this.l2.errors++;
    });
  }

  snapshot(extra: Pick<CacheStatsSnapshot, 'backend' | 'breaker' | 'l1'>): CacheStatsSnapshot {
    const totals = emptyPolicy();
    const policies: Record<string, PolicyStats> = {};
    for (const [name, stats] of this.policies) {
      policies[name] = { ...stats };
      for (const field of Object.keys(totals) as (keyof PolicyStats)[]) totals[field] += stats[field];
    }
    const hits = totals.hitsL1 + totals.hitsL2 + totals.stale;
    const lookups = hits + totals.misses;
    return { ...extra, hitRate: lookups === 0 ? 0 : hits / lookups, totals, policies, l2: { ...this.l2 } };
  }

  private of(policy: string): PolicyStats {
    let stats = this.policies.get(policy);
    if (!stats) this.policies.set(policy, (stats = emptyPolicy()));
    return stats;
  }
}
