import { isIP } from 'node:net';
import type { EnvSchema } from './env.schema';

/** Which peers may tell the service who the client is (`X-Forwarded-For`, `-Proto`, `-Host`): Fastify's `trustProxy`. */
export type TrustProxy = false | number | string[];

export interface HttpConfig {
  /** Whole request (headers and body) received within this, else 408 and the socket closed; 0 = off. @default 30000 */
  requestTimeoutMs: number;
  /** Request headers received within this (slowloris); at most `requestTimeoutMs` when that is on. @default 10000 */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. @default 72000 (above common load-balancer idle timeouts) */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic either way is closed after this; 0 = off (SSE streams send heartbeats). @default 0 */
  connectionTimeoutMs: number;
  /** @default false (every request's client is the TCP peer) */
  trustProxy: TrustProxy;
}

// proxy-addr's names for ranges (loopback 127/8 ::1, linklocal, uniquelocal: private and unique-local).
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrCidr(item: string): boolean {
  if (NAMED_RANGES.has(item)) return true;
  const [address, bits, ...rest] = item.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * `TRUST_PROXY`: `false` (default), a hop count 1-10 (trust that many proxies in front, whatever their
 * address), or a comma-separated list of addresses, CIDRs and the names `loopback`, `linklocal`,
 * `uniquelocal`. `true` (trust everyone: any client could claim any address) is refused.
 * @throws Error saying what is wrong.
 */
export function parseTrustProxy(text: string): TrustProxy {
  const value = text.trim();
  if (value === '' || value.toLowerCase() === 'false') return false;
  if (value.toLowerCase() === 'true')
    throw new Error('true would let any client set its own address (X-Forwarded-For); name the proxies (addresses or CIDRs) or give a hop count');
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > 10) throw new Error('a hop count must be 1-10');
    return hops;
  }
  const items = value.split(',').map((item) => item.trim()).filter(Boolean);
  const bad = items.find((item) => !isAddressOrCidr(item));
  if (bad !== undefined) throw new Error(`"${bad.slice(0, 60)}" is not an IP address, a CIDR (10.0.0.0/8), loopback, linklocal or uniquelocal`);
  if (items.length > 100) throw new Error('at most 100 entries');
  return items;
}

export function buildHttpConfig(env: EnvSchema): HttpConfig {
  const requestTimeoutMs = env.HTTP_REQUEST_TIMEOUT_MS ?? 30_000;
  const headersDefault = requestTimeoutMs > 0 ? Math.min(10_000, requestTimeoutMs) : 10_000;
  return {
    requestTimeoutMs,
    // Node refuses a headers timeout above the request timeout: the request's bound wins.
    headersTimeoutMs: requestTimeoutMs > 0 ? Math.min(env.HTTP_HEADERS_TIMEOUT_MS ?? headersDefault, requestTimeoutMs) : (env.HTTP_HEADERS_TIMEOUT_MS ?? headersDefault),
    keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS ?? 72_000,
    connectionTimeoutMs: env.HTTP_CONNECTION_TIMEOUT_MS ?? 0,
    trustProxy: env.TRUST_PROXY === undefined ? false : parseTrustProxy(env.TRUST_PROXY),
  };
}
