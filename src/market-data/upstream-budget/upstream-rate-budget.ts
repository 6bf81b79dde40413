import { randomUUID } from 'node:crypto';
import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { RedisTopology } from '../../cache';
import { UpstreamUnavailableError } from '../../common/errors';
import { UpstreamBudgetExhaustedError } from './upstream-budget.errors';
import { LocalGcra } from './gcra';
import type { UpstreamPriority } from '../../common/upstream-priority';

/**
 * One decision in Redis, atomic: heartbeat this replica (a sorted set of last-seen times, older
 * than the heartbeat TTL dropped), honour a provider pause (a key with PX, set on a vendor 429),
 * then GCRA on `tat` (see `gcra.ts`). Time is Redis's own (`TIME`), so replicas' clocks do not
 * matter. ARGV[6] = '0' is a heartbeat only. Reply: {granted, waitMs, replicas, backlogMs, pausedMs}.
 * All keys share the `{provider}` hash tag: one slot on a cluster.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[5])
redis.call('ZADD', KEYS[2], now, ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
local replicas = redis.call('ZCARD', KEYS[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local paused = redis.call('PTTL', KEYS[3])
if paused < 0 then paused = 0 end
if ARGV[6] == '0' then return {0, 0, replicas, math.ceil(tat - now), paused} end
if paused > 0 then return {0, paused, replicas, math.ceil(tat - now), paused} end
local interval = tonumber(ARGV[1])
local start = tat - tonumber(ARGV[2])
if start < now then start = now end
local wait = math.ceil(start - now)
if wait > tonumber(ARGV[3]) then return {0, wait, replicas, math.ceil(tat - now), 0} end
local newTat = tat + interval
redis.call('SET', KEYS[1], tostring(newTat), 'PX', math.ceil(newTat - now) + 1000)
return {1, wait, replicas, math.ceil(newTat - now), 0}
`;

/** Extend the pause only: a shorter Retry-After never shortens a longer one. Reply: the pause left, ms. */
const PAUSE = `
local left = redis.call('PTTL', KEYS[1])
if left < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) return tonumber(ARGV[1]) end
return left
`;

export interface UpstreamRateBudgetOptions {
  provider: string;
  ratePerSecond: number;
  burst: number;
  /** How long an interactive call may wait for budget before it is refused (stale value or 503). */
  maxWaitMs: number;
  /** How long refresh-ahead and background calls keep waiting before they give up. */
  backgroundMaxWaitMs?: number;
  /** State access; absent = this process's budget only (REDIS_ENABLED=false). */
  state?: { client: () => RedisTopology | undefined; key: (name: string) => string };
  /** Deadline of one Redis decision. @default 250 */
  redisTimeoutMs?: number;
  /** @default 2000; a replica is counted for 3 heartbeats. */
  heartbeatMs?: number;
  now?: () => number;
  /** Logs; replaced in tests. */
  logger?: Pick<Logger, 'warn' | 'log'>;
}

export type BudgetMode = 'redis' | 'local';

export interface UpstreamRateBudgetStats {
  ratePerSecond: number;
  burst: number;
  mode: BudgetMode;
  /** Replicas counted by the last heartbeat seen in Redis; the local share is the budget ÷ this. */
  replicasSeen: number;
  granted: number;
  /** Calls refused after waiting as long as their class may (a stale answer or a 503 for interactive ones). */
  refused: number;
  /** Calls waiting for budget right now, per class. */
  waiting: Record<UpstreamPriority, number>;
  /** Total time granted calls waited for budget, ms. */
  waitedMs: number;
  /** Until when the vendor asked us to pause (epoch ms), when known. */
  pausedUntil?: number;
}

// Unref'd: a call waiting for budget never keeps a stopping process alive.
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * A provider's upstream rate budget, shared by every replica through Redis, with a local share
 * when Redis is unreachable. Classes: interactive calls may reserve a slot up to `maxWaitMs` ahead
 * (one Redis round trip, then a timed wait); refresh and background calls take only a slot that is
 * free now and otherwise sleep and ask again, so they never hold a slot an interactive call could
 * have had; background calls also leave half the burst to the others.
 */
export class UpstreamRateBudget implements OnModuleInit, OnModuleDestroy {
  readonly replicaId = randomUUID();
  private readonly logger: Pick<Logger, 'warn' | 'log'>;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly local = new LocalGcra();
  private mode: BudgetMode;
  private redisDownUntil = 0;
  private replicasSeen = 1;
  /** Local time until which the cluster had reserved slots, at the last Redis decision. */
  private clusterBacklogUntil = 0;
  private localPausedUntil = 0;
  private heartbeat?: NodeJS.Timeout;
  private closed = false;
  private readonly counts = { granted: 0, refused: 0, waitedMs: 0 };
  private readonly waiting: Record<UpstreamPriority, number> = { interactive: 0, refresh: 0, background: 0 };

  constructor(private readonly options: UpstreamRateBudgetOptions) {
    if (!(options.ratePerSecond > 0)) throw new Error(`ratePerSecond must be positive, got ${options.ratePerSecond}`);
    if (!Number.isSafeInteger(options.burst) || options.burst < 1) throw new Error(`burst must be a positive integer, got ${options.burst}`);
    this.intervalMs = 1000 / options.ratePerSecond;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? new Logger(UpstreamRateBudget.name);
    this.mode = options.state ? 'redis' : 'local';
  }

  onModuleInit(): void {
    if (!this.options.state) return;
    const every = this.options.heartbeatMs ?? 2000;
    this.heartbeat = setInterval(() => void this.redisDecide('interactive', 0, false).catch(() => undefined), every);
    this.heartbeat.unref();
  }

  onModuleDestroy(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    // Waiting calls (a warmup's) end at their next turn instead of polling on for up to a minute.
    this.closed = true;
  }

  stats(): UpstreamRateBudgetStats {
    const pausedUntil = this.localPausedUntil > this.now() ? this.localPausedUntil : undefined;
    return {
      ratePerSecond: this.options.ratePerSecond,
      burst: this.options.burst,
      mode: this.mode,
      replicasSeen: this.replicasSeen,
      ...this.counts,
      waiting: { ...this.waiting },
      ...(pausedUntil ? { pausedUntil } : {}),
    };
  }

  /** Resolves when the call may go upstream; throws `UpstreamRateLimitedError` when its class would wait too long. */
  async acquire(priority: UpstreamPriority): Promise<void> {
    const started = this.now();
    const limit = priority === 'interactive' ? this.options.maxWaitMs : (this.options.backgroundMaxWaitMs ?? 60_000);
    this.waiting[priority]++;
    try {
      // Bounded: every refused round sleeps at least 5 ms and the loop ends once `limit` has passed.
      for (;;) {
        if (this.closed) throw new UpstreamUnavailableError(this.options.provider, 'the service is stopping');
        const left = limit - (this.now() - started);
        const decision = await this.decide(priority, priority === 'interactive' ? Math.max(0, left) : 0);
        if (decision.granted) {
          if (decision.waitMs > 0) await sleep(decision.waitMs);
          if (this.closed) throw new UpstreamUnavailableError(this.options.provider, 'the service is stopping');
          this.counts.granted++;
          this.counts.waitedMs += this.now() - started;
          return;
        }
        if (decision.waitMs > left) {
          this.counts.refused++;
          throw new UpstreamBudgetExhaustedError(this.options.provider, decision.waitMs);
        }
        await sleep(Math.max(5, decision.waitMs) + Math.random() * 5);
      }
    } finally {
      this.waiting[priority]--;
    }
  }

  /** The vendor said 429 with Retry-After: no replica calls it for `ms`. */
  async pause(ms: number): Promise<void> {
    const until = this.now() + ms;
    if (until > this.localPausedUntil) this.localPausedUntil = until;
    const state = this.options.state;
    const client = state?.client();
    if (!state || !client?.isReady) return;
    await this.bounded(client.eval(PAUSE, { keys: [state.key(this.pauseKey)], arguments: [String(Math.ceil(ms))] })).catch(() => undefined);
  }

  private get keyBase(): string {
    return `upstream:{${this.options.provider}}`;
  }

  private get pauseKey(): string {
    return `${this.keyBase}:pause`;
  }

  private toleranceMs(priority: UpstreamPriority, burst: number, intervalMs: number): number {
    const spare = burst - 1;
    return (priority === 'background' ? Math.floor(spare / 2) : spare) * intervalMs;
  }

  private async decide(priority: UpstreamPriority, maxWaitMs: number): Promise<{ granted: boolean; waitMs: number }> {
    if (this.options.state && this.now() >= this.redisDownUntil) {
      try {
        const decision = await this.redisDecide(priority, maxWaitMs, true);
        if (this.mode !== 'redis') this.logger.log(`Upstream budget of ${this.options.provider}: shared through Redis again`);
        this.mode = 'redis';
        return decision;
      } catch (error) {
        this.redisDownUntil = this.now() + 1000;
        this.toLocal(error as Error);
      }
    }
    return this.localDecide(priority, maxWaitMs);
  }

  private async redisDecide(priority: UpstreamPriority, maxWaitMs: number, take: boolean): Promise<{ granted: boolean; waitMs: number }> {
    const state = this.options.state;
    const client = state?.client();
    if (!state || !client?.isReady) throw new Error('Redis is not connected');
    const reply = (await this.bounded(
      client.eval(TAKE, {
        keys: [state.key(`${this.keyBase}:tat`), state.key(`${this.keyBase}:replicas`), state.key(this.pauseKey)],
        arguments: [
          String(this.intervalMs),
          String(this.toleranceMs(priority, this.options.burst, this.intervalMs)),
          String(Math.floor(maxWaitMs)),
          this.replicaId,
          String(3 * (this.options.heartbeatMs ?? 2000)),
          take ? '1' : '0',
        ],
      }),
    )) as unknown[];
    const [granted, waitMs, replicas, backlogMs, pausedMs] = reply.map(Number);
    if (replicas >= 1) this.replicasSeen = replicas;
    // Another replica's vendor 429 shows here too (health, metrics, and the local share if Redis goes).
    if (pausedMs > 0) this.localPausedUntil = Math.max(this.localPausedUntil, this.now() + pausedMs);
    this.clusterBacklogUntil = this.now() + backlogMs;
    return { granted: granted === 1, waitMs };
  }

  /** This replica's share while Redis is unreachable: rate and burst ÷ the replicas last seen. */
  private localDecide(priority: UpstreamPriority, maxWaitMs: number): { granted: boolean; waitMs: number } {
    const now = this.now();
    if (this.localPausedUntil > now) return { granted: false, waitMs: this.localPausedUntil - now };
    const share = Math.max(1, this.replicasSeen);
    const intervalMs = this.intervalMs * share;
    const burst = Math.max(1, Math.floor(this.options.burst / share));
    const decision = this.local.take(now, intervalMs, this.toleranceMs(priority, burst, intervalMs), maxWaitMs);
    return { granted: decision.granted, waitMs: decision.waitMs };
  }

  private toLocal(error: Error): void {
    if (this.mode === 'local') return;
    this.mode = 'local';
    // Start after the slots the cluster had already reserved, and with an empty bucket: no burst on top of what Redis granted.
    const share = Math.max(1, this.replicasSeen);
    this.local.tat = Math.max(this.clusterBacklogUntil, this.now()) + this.intervalMs * share;
    this.logger.warn(
      `Upstream budget of ${this.options.provider}: Redis unreachable (${error.message}); pacing locally at ${(this.options.ratePerSecond / share).toFixed(3)}/s (budget ÷ ${share} replicas last seen)`,
    );
  }

  private async bounded<T>(call: Promise<T>): Promise<T> {
    const timeoutMs = this.options.redisTimeoutMs ?? 250;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([call, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}
