import type { EnvSchema } from './env.schema';

/** What a warmup can warm per symbol; each maps to a feature's public service method. */
export const WARM_POLICY_NAMES = ['prices', 'history', 'indicators', 'scores', 'predictions'] as const;
export type WarmPolicyName = (typeof WARM_POLICY_NAMES)[number];

export const DEFAULT_WARM_POLICIES: readonly WarmPolicyName[] = ['prices', 'history', 'indicators', 'scores'];

export interface WarmupConfig {
  /** Warm in the background at boot. @default true (false when NODE_ENV=test, so tests stay fast) */
  onBoot: boolean;
  /** Readiness never waits longer than this on the boot warmup, ms. @default 5000 */
  bootMaxWaitMs: number;
  /** Scheduled warmup; undefined when `WARMUP_CRON=off`. @default '0 9 * * 1-5' (weekdays, before the US open) */
  cron?: string;
  /** Time zone of `cron`. @default 'America/New_York' (the exchange's) */
  timeZone: string;
  /** Explicit symbols; empty means the most requested symbols plus the first `topN` of `sp500`. @default [] */
  symbols: string[];
  /** @default 100 */
  topN: number;
  /** @default prices, history, indicators, scores */
  policies: WarmPolicyName[];
  /** Symbols warmed at once (each makes at most one provider call at a time). @default 4 */
  concurrency: number;
  refreshAhead: {
    /** Pass interval, ms; 0 disables refresh-ahead. @default 30000 */
    intervalMs: number;
    /** Refresh hot keys whose TTL ends within this, ms. @default 60000 */
    withinMs: number;
  };
}

export function buildWarmupConfig(env: EnvSchema): WarmupConfig {
  const cron = env.WARMUP_CRON ?? '0 9 * * 1-5';
  return {
    onBoot: env.WARMUP_ON_BOOT ?? env.NODE_ENV !== 'test',
    bootMaxWaitMs: env.WARMUP_BOOT_MAX_WAIT_MS ?? 5000,
    cron: cron === 'off' ? undefined : cron,
    timeZone: env.WARMUP_TIMEZONE ?? 'America/New_York',
    symbols: [...new Set((env.WARMUP_SYMBOLS ?? []).map((s) => s.toUpperCase()))],
    topN: env.WARMUP_TOP_N ?? 100,
    policies: [...new Set(env.WARMUP_POLICIES ?? DEFAULT_WARM_POLICIES)] as WarmPolicyName[],
    concurrency: env.WARMUP_CONCURRENCY ?? 4,
    refreshAhead: {
      intervalMs: env.REFRESH_AHEAD_INTERVAL_MS ?? 30_000,
      withinMs: env.REFRESH_AHEAD_WITHIN_MS ?? 60_000,
    },
  };
}
