import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CacheService, RedisConnection } from '../cache';
import { MetricsRegistry } from './metrics-registry';

// Seconds; L2 round trips on a healthy LAN are ~0.1-2 ms and the deadline is 100 ms by default.
const L2_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2];
// Seconds; factories range from a quote (ms) to a cold universe scan (many seconds).
const FACTORY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const BREAKER_VALUE = { closed: 0, 'half-open': 1, open: 2, disabled: 0 } as const;

/**
 * Cache series: counters fed by cache events (labels are policy names, tiers, L2 operations and
 * error kinds — fixed sets, never keys or symbols), gauges read from `CacheService.stats()` on
 * each scrape.
 */
@Injectable()
export class CacheMetrics implements OnModuleDestroy {
  private readonly unsubscribe: (() => void)[];

  constructor(cache: CacheService, metrics: MetricsRegistry, connection: RedisConnection) {
    const redisEnabled = connection.client !== undefined;
    const hits = metrics.counter({ name: 'cache_hits_total', help: 'Cache hits by tier and policy.', labelNames: ['tier', 'policy'] });
    const misses = metrics.counter({ name: 'cache_misses_total', help: 'Cache misses by policy.', labelNames: ['policy'] });
    const stale = metrics.counter({
      name: 'cache_stale_total',
      help: 'Values served past their TTL within grace, by policy and reason (refreshing | factory-error).',
      labelNames: ['policy', 'reason'],
    });
    const factoryRuns = metrics.counter({ name: 'cache_factory_runs_total', help: 'Factory runs (successful or not) by policy.', labelNames: ['policy'] });
    const factoryErrors = metrics.counter({ name: 'cache_factory_errors_total', help: 'Factory runs that threw, by policy.', labelNames: ['policy'] });
    const factoryDuration = metrics.histogram({
      name: 'cache_factory_duration_seconds',
      help: 'Factory run time by policy and whether it ran in the background (refresh).',
      labelNames: ['policy', 'background'],
      buckets: FACTORY_BUCKETS,
    });
    const coalesced = metrics.counter({ name: 'cache_coalesced_total', help: 'Callers that joined an in-flight factory run.', labelNames: ['policy'] });
    const l2Errors = metrics.counter({
      name: 'cache_l2_errors_total',
      help: 'L2 (Redis) failures by operation and kind (timeout | error | circuit-open | corrupt).',
      labelNames: ['operation', 'kind'],
    });
    const entryMismatches = metrics.counter({
      name: 'cache_entry_mismatch_total',
      help: 'Entries read under another key than the one they were stored under (a reply matched to the wrong command), by tier; each was a miss.',
      labelNames: ['tier'],
    });
    const clientResets = metrics.counter({
      name: 'redis_client_resets_total',
      help: 'Redis clients destroyed and replaced because their connection was out of step, by reason (protocol-error | reply-mismatch | entry-key-mismatch | stalled).',
      labelNames: ['reason'],
    });
    const refusals = metrics.counter({
      name: 'redis_write_failures_total',
      help: 'Commands Redis refused while answering, by reason: writes refused (OOM | READONLY | MISCONF | NOPERM) and authentication refused (AUTH, any command or the handshake).',
      labelNames: ['reason'],
    });
    const l2Latency = metrics.histogram({
      name: 'cache_l2_operation_duration_seconds',
      help: 'L2 (Redis) operation latency by operation, successful calls only.',
      labelNames: ['operation'],
      buckets: L2_BUCKETS,
    });

    metrics.gauge({
      name: 'cache_breaker_state',
      help: 'L2 circuit breaker: 0 closed, 1 half-open, 2 open (0 when Redis is disabled; see mc_cache_backend).',
      collect() {
        this.set(BREAKER_VALUE[cache.stats().breaker]);
      },
    });
    metrics.gauge({
      name: 'cache_backend',
      help: 'Backend serving shared cache reads: 1 redis, 0 memory only.',
      collect() {
        this.set(cache.stats().backend === 'redis' ? 1 : 0);
      },
    });
    metrics.gauge({
      name: 'redis_writes_ok',
      help: 'Redis takes writes: 1, or 0 since a write was refused (OOM, READONLY, ...) until one succeeds (1 when Redis is disabled).',
      collect() {
        this.set(redisEnabled && !connection.redisFaults.writes.ok ? 0 : 1);
      },
    });
    metrics.gauge({
      name: 'redis_auth_ok',
      help: 'Redis accepts our credentials: 1, or 0 since it refused them (WRONGPASS, NOAUTH) until a command or connection succeeds.',
      collect() {
        this.set(redisEnabled && !connection.redisFaults.auth.ok ? 0 : 1);
      },
    });
    metrics.gauge({
      name: 'cache_l1_entries',
      help: 'Entries held in the L1 (in-process) cache.',
      collect() {
        this.set(cache.stats().l1.entries);
      },
    });
    metrics.gauge({
      name: 'cache_l1_bytes',
      help: 'Bytes held in the L1 (in-process) cache.',
      collect() {
        this.set(cache.stats().l1.bytes);
      },
    });

    const events = cache.events;
    this.unsubscribe = [
      events.on('hit', ({ tier, policy }) => hits.inc({ tier, policy })),
      events.on('miss', ({ policy }) => misses.inc({ policy })),
      events.on('stale', ({ policy, reason }) => stale.inc({ policy, reason })),
      events.on('coalesced', ({ policy }) => coalesced.inc({ policy })),
      events.on('factory', ({ policy, ok, durationMs, background }) => {
        factoryRuns.inc({ policy });
        if (!ok) factoryErrors.inc({ policy });
        factoryDuration.observe({ policy, background: String(background) }, durationMs / 1000);
      }),
      events.on('l2Error', ({ operation, kind }) => l2Errors.inc({ operation, kind })),
      events.on('entryMismatch', ({ tier }) => entryMismatches.inc({ tier })),
      events.on('redisReset', ({ reason }) => clientResets.inc({ reason })),
      events.on('redisRefused', ({ reason }) => refusals.inc({ reason })),
      events.on('l2Latency', ({ operation, durationMs }) => l2Latency.observe({ operation }, durationMs / 1000)),
    ];
  }

  onModuleDestroy(): void {
    for (const off of this.unsubscribe) off();
  }
}
