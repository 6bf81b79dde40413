import { isScope, SCOPES, type Scope } from '../auth/scopes';
import type { EnvSchema } from './env.schema';

/** One client credential: a caller's name, what it may do, one of its secrets (a caller may have several: rotation). */
export interface ClientCredential {
  name: string;
  scopes: Scope[];
  secret: string;
}

export interface AuthConfig {
  /** From `CLIENT_CREDENTIALS` (`name:scope+scope:secret,...`). `ADMIN_API_KEY` is added as the caller `admin`. */
  clients: ClientCredential[];
  /** A JSON file of credentials (a mounted Secret), re-read when it changes; unset: none. */
  credentialsFile?: string;
  /** How often the credentials file is checked for a change, ms. @default 5000 */
  credentialsReloadMs: number;
  /**
   * What callers without a credential may do. Unset: `read` in production or once any client
   * credential is configured (env or file; `ADMIN_API_KEY` does not count), else `read`,
   * `compute` and `alerts` (the zero-set-up `npm start` and the tests).
   */
  anonymousScopes?: Scope[];
  /** Requests per minute per caller on the `compute` routes; 0 = no budget. @default 120 (0 under test) */
  computePerMinute: number;
  /** Failed admin authentications per minute per client IP, apart from the operators' budget. @default 10 */
  adminFailedAuthPerMinute: number;
}

export const CLIENT_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
const SECRET = /^[^\s,]{16,256}$/;
/**
 * Names a credential cannot take: `anonymous` (every request without one) and `admin`
 * (`ADMIN_API_KEY`'s: a caller's scopes are the union of its entries, so an `admin` entry with
 * fewer scopes would still get every scope). An operator credential takes another name (`ops`).
 */
export const RESERVED_CLIENT_NAMES = new Set(['anonymous', 'admin']);

/** Why a credential is unusable, or undefined; never repeats the secret. */
export function credentialProblem(name: unknown, scopes: unknown, secret: unknown): string | undefined {
  if (typeof name !== 'string' || !CLIENT_NAME.test(name)) return `name must be 1-32 chars of [a-z0-9_-] starting with a letter`;
  if (RESERVED_CLIENT_NAMES.has(name)) return `name "${name}" is reserved (anonymous: callers without a credential; admin: ADMIN_API_KEY)`;
  if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((s) => typeof s === 'string' && isScope(s)))
    return `client "${name}": scopes must be one or more of ${SCOPES.join(', ')}`;
  if (typeof secret !== 'string' || !SECRET.test(secret)) return `client "${name}": secret must be 16-256 characters, no spaces or commas`;
  return undefined;
}

/** Parses `name:scope+scope:secret,...`; throws an Error naming the bad entry (by position and name, never its secret). */
export function parseClientCredentials(text: string): ClientCredential[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, index) => {
      const first = entry.indexOf(':');
      const second = first < 0 ? -1 : entry.indexOf(':', first + 1);
      if (second < 0) throw new Error(`entry ${index + 1} must be name:scope+scope:secret`);
      const name = entry.slice(0, first);
      const scopes = entry.slice(first + 1, second).split('+');
      const secret = entry.slice(second + 1);
      const problem = credentialProblem(name, scopes, secret);
      if (problem) throw new Error(`entry ${index + 1}: ${problem}`);
      return { name, scopes: scopes as Scope[], secret };
    });
}

/** `none`, or a comma-separated list of read, compute, alerts (admin is never anonymous). */
export function parseAnonymousScopes(text: string): Scope[] {
  if (text.trim() === 'none') return [];
  const scopes = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = scopes.filter((s) => !isScope(s) || s === 'admin');
  if (bad.length > 0 || scopes.length === 0) throw new Error(`must be none or a list of read, compute, alerts (got ${bad.join(', ') || 'nothing'})`);
  return scopes as Scope[];
}

export function buildAuthConfig(env: EnvSchema): AuthConfig {
  const test = env.NODE_ENV === 'test';
  return {
    clients: env.CLIENT_CREDENTIALS ? parseClientCredentials(env.CLIENT_CREDENTIALS) : [],
    credentialsFile: env.CLIENT_CREDENTIALS_FILE,
    credentialsReloadMs: env.CLIENT_CREDENTIALS_RELOAD_MS ?? 5000,
    anonymousScopes: env.AUTH_ANONYMOUS_SCOPES === undefined ? undefined : parseAnonymousScopes(env.AUTH_ANONYMOUS_SCOPES),
    computePerMinute: env.CALLER_COMPUTE_PER_MINUTE ?? (test ? 0 : 120),
    adminFailedAuthPerMinute: env.ADMIN_FAILED_AUTH_PER_MINUTE ?? 10,
  };
}
