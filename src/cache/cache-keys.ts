import { createHash } from 'node:crypto';
import { POLICY_NAMES, type PolicyName } from './cache-policies';

/**
 * Bumped whenever the shape of any cached value changes, so a deploy never reads an old value
 * as new: old keys simply stop being asked for and expire.
 */
export const CACHE_SCHEMA_VERSION = 1;

declare const cacheKeyBrand: unique symbol;

/**
 * A logical key, `v{schema}:{policy}:{part}:{part}...`. Only the builders below make one, so a
 * key always carries the schema version and its policy; the stack prepends `REDIS_PREFIX`.
 */
export type CacheKey = string & { readonly [cacheKeyBrand]: true };

/**
 * Parts are user input (symbols, dates, hashes): percent-encoding keeps `:` and glob characters
 * out of them, so keys of one policy can never collide with, or pattern-match into, another's.
 */
function encodePart(part: string | number): string {
  // Per code point, so a lone surrogate (which encodeURIComponent rejects) gets its own `%u` form,
  // a form encodeURIComponent never produces, so it cannot collide with any other input.
  let encoded = '';
  for (const ch of String(part)) {
    const code = ch.charCodeAt(0);
    encoded += ch.length === 1 && code >= 0xd800 && code <= 0xdfff ? `%u${code.toString(16)}` : encodeURIComponent(ch);
  }
  return encoded.replace(/\*/g, '%2A');
}

// Route paths and canonical queries stay readable for operators; anything else is percent-encoded,
// so `:` and glob characters never appear raw (the same guarantees as `encodePart`).
const READABLE = /[^A-Za-z0-9/._~=&,+-]/g;
const READABLE_MAX = 200;

function readablePart(text: string): string {
  const encoded = text.replace(READABLE, (ch) => encodePart(ch) === ch ? `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}` : encodePart(ch));
  return encoded.length > READABLE_MAX ? `#${hashOf(text)}` : encoded;
}

/** Builds a key for `policy` from parts. Exported for policies that have no named builder yet. */
export function cacheKey(policy: PolicyName, ...parts: (string | number)[]): CacheKey {
  return [`v${CACHE_SCHEMA_VERSION}`, policy, ...parts.map(encodePart)].join(':') as CacheKey;
}

/** The policy a key was built for (used for per-policy stats), or `default` for foreign keys. */
export function policyOfKey(key: string): string {
  const [version, policy] = key.split(':', 3);
  return version === `v${CACHE_SCHEMA_VERSION}` && (POLICY_NAMES as readonly string[]).includes(policy) ? policy : 'default';
}

/** Short stable hash of a normalized request (portfolio holdings, scan requests, indicator sets). */
export function hashOf(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(value) ?? 'undefined')
    .digest('base64url')
    .slice(0, 22);
}

const sym = (symbol: string) => symbol.trim().toUpperCase();

/** The key builders of DESIGN.md, one per policy. */
export const CacheKeys = {
  price: (symbol: string) => cacheKey('price', sym(symbol)),
  history: (symbol: string, interval: string, period: string) =>
    cacheKey(interval.endsWith('d') || interval.endsWith('wk') ? 'history' : 'historyIntraday', sym(symbol), interval, period),
  info: (symbol: string) => cacheKey('info', sym(symbol)),
  tickers: (market: string) => cacheKey('tickers', market.toLowerCase()),
  indicators: (symbol: string, interval: string, setHash: string) => cacheKey('indicators', sym(symbol), interval, setHash),
  score: (symbol: string, horizon: string) => cacheKey('score', sym(symbol), horizon),
  prediction: (modelVersion: string, symbol: string, date: string) => cacheKey('prediction', modelVersion, sym(symbol), date),
  portfolio: (holdingsHash: string) => cacheKey('portfolio', holdingsHash),
  /** A sector's best-scored names (portfolio suggestions); lower-case `leaders` cannot clash with a symbol's score key. */
  sectorLeaders: (market: string, sector: string, horizon: string) => cacheKey('score', 'leaders', market.toLowerCase(), sector, horizon),
  scan: (requestHash: string, date: string) => cacheKey('scan', requestHash, date),
  scanResult: (symbol: string, date: string, horizon: string) => cacheKey('scan', 'result', sym(symbol), date, horizon),
  signals: () => cacheKey('signals', 'active'),
  screening: (date: string) => cacheKey('screening', date),
  /** "The provider does not know this symbol" (negative cache), per symbol whatever was asked of it. */
  notFound: (symbol: string) => cacheKey('notFound', sym(symbol)),
  /**
   * An HTTP response cached by `HttpCacheInterceptor`, under the route's policy, readable:
   * `v1:info:http:/market/info/AAPL`, `v1:history:http:/market/history/AAPL:interval=1d&period=1y`
   * (the canonical request, `http-request-identity.ts`); a part past 200 characters is hashed.
   */
  http: (policy: PolicyName, path: string, query = '') =>
    [cacheKey(policy, 'http'), readablePart(path), ...(query ? [readablePart(query)] : [])].join(':') as CacheKey,
  /** Keys set through `CACHE_MANAGER` by Nest-style code. */
  nest: (key: string) => cacheKey('default', 'nest', key),
} as const;

/** The Redis set that lists the keys carrying `tag` (stored under the prefix, outside any policy). */
export function tagIndexKey(tag: string): string {
  return `tag:${encodePart(tag)}`;
}
