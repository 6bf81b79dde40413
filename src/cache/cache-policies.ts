/**
 * The one table of cache policies (DESIGN.md). Every TTL is overridable from the environment
 * (`CACHE_<POLICY>_TTL`, seconds); grace is a fraction of the TTL (`CACHE_GRACE_PERCENT`).
 */
export const POLICY_NAMES = [
  'price',
  'history',
  'historyIntraday',
  'info',
  'tickers',
  'indicators',
  'score',
  'prediction',
  'portfolio',
  'scan',
  'signals',
  'screening',
  'notFound',
  'http',
  'default',
] as const;

export type PolicyName = (typeof POLICY_NAMES)[number];

/**
 * Policies whose values embed a model's prediction (predictions and the answers that carry them):
 * their keys carry the model's fingerprint besides the data source's (`key-scope.ts`).
 */
export const MODEL_POLICIES: readonly PolicyName[] = ['prediction', 'portfolio'];

export interface PolicySettings {
  /** Fresh lifetime in ms: within it a value is served without a refresh. */
  ttlMs: number;
  /**
   * Grace in ms after the TTL: the value may still be served (marked stale) while one background
   * refresh runs, and it stands in when the factory fails. 0 disables grace.
   */
  graceMs: number;
  /** Tags every entry of this policy carries (none by default; a whole policy is dropped by pattern). */
  tags: readonly string[];
  /** How the real lifetime follows the exchange calendar (`POLICY_RULES`); `ttlMs` is the session's. */
  rule: LifetimeRule;
}

/**
 * How an entry's lifetime is decided at write time when the cache is given a calendar
 * (`CacheModuleOptions.lifetime`, `market-calendar/cache-lifetimes.ts`; `CACHE_TTL_RULES=fixed` turns it off):
 *
 * - `fixed`: the TTL, whatever the market does (reference data, state-like answers).
 * - `quote`: the TTL during a session (cut at the close); while closed, until the next open plus a margin.
 * - `dailyBar`: until the next close (never past the TTL in a session): a bar is final at the close.
 * - `derived`: the TTL (or the value's own: `ctx.setTtl`, `ttlMs: fn`) during a session; while closed,
 *   until the next open plus the margin. Always capped by the cached inputs it was computed from.
 */
export type LifetimeRule = 'fixed' | 'quote' | 'dailyBar' | 'derived';

/** Which rule each policy follows (docs/CONFIGURATION.md). */
export const POLICY_RULES: Record<PolicyName, LifetimeRule> = {
  price: 'quote',
  history: 'dailyBar',
  historyIntraday: 'quote',
  info: 'fixed',
  tickers: 'fixed',
  indicators: 'derived',
  score: 'derived',
  prediction: 'derived',
  portfolio: 'derived',
  scan: 'derived',
  signals: 'fixed',
  screening: 'fixed',
  notFound: 'fixed',
  http: 'derived',
  default: 'fixed',
};

/** The real lifetime of an entry written at `now` under `rule`, from the policy's (or value's) TTL. */
export type LifetimeFn = (rule: LifetimeRule, ttlMs: number, now: number) => number;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Seed TTLs in seconds; `@default` values from DESIGN.md. */
export const DEFAULT_POLICY_TTL_SECONDS: Record<PolicyName, number> = {
  /** @default 5 min */ price: 5 * 60,
  /** @default 24 h */ history: 24 * 3600,
  /** @default 1 h */ historyIntraday: 3600,
  /** @default 4 h */ info: 4 * 3600,
  /** @default 4 h */ tickers: 4 * 3600,
  /** @default 5 min */ indicators: 5 * 60,
  /** @default 30 min */ score: 30 * 60,
  /** @default 5 min */ prediction: 5 * 60,
  /** @default 10 min */ portfolio: 10 * 60,
  /** @default 5 min */ scan: 5 * 60,
  /** @default 1 h */ signals: 3600,
  /** @default 24 h */ screening: 24 * 3600,
  /** A symbol the provider does not know (negative cache: a batch of unknown names reaches the upstream once per TTL). @default 5 min */
  notFound: 5 * 60,
  /** HTTP responses cached by the interceptor without a more specific policy. @default 1 min */ http: 60,
  /** @default 1 h */ default: 3600,
};

/** Grace as a percentage of the TTL. 50 % means a 5 min price may be served up to 7.5 min old while refreshing. @default 50 */
export const DEFAULT_GRACE_PERCENT = 50;

/** Builds the policy table from TTLs (seconds) and a grace percentage. */
export function buildPolicies(
  ttlSeconds: Record<PolicyName, number>,
  gracePercent: number,
): Record<PolicyName, PolicySettings> {
  const table = {} as Record<PolicyName, PolicySettings>;
  for (const name of POLICY_NAMES) {
    const ttlMs = ttlSeconds[name] * SECOND;
    table[name] = { ttlMs, graceMs: Math.round((ttlMs * gracePercent) / 100), tags: [], rule: POLICY_RULES[name] };
  }
  return table;
}

export { SECOND, MINUTE, HOUR };
