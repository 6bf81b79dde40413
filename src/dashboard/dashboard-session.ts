import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Name of the dashboard's session cookie. */
export const SESSION_COOKIE = 'mc_dashboard';
/** How long a dashboard session lasts before the key must be given again. */
export const SESSION_TTL_MS = 12 * 60 * 60_000;

const VERSION = 'v2';
// Domain separation: a session token is a MAC of the admin key over this label, so it is never the
// key itself, cannot be turned back into it, and only ever opens the dashboard's read-only routes.
const LABEL = 'mc-dashboard-session';

const mac = (key: string, expiresAt: number, id: string): Buffer => createHmac('sha256', key).update(`${LABEL}:${expiresAt}:${id}`).digest();

/** A verified session: its id (what logout revokes) and when it ends on its own. */
export interface DashboardSession {
  id: string;
  expiresAt: number;
}

/**
 * A session token `v2.<expiresAt>.<id>.<mac>` for the admin key, valid until `now + SESSION_TTL_MS`
 * unless its `id` (16 random bytes) is revoked first (logout: `DashboardSessions`). v1 tokens
 * (no id, so not revocable) are no longer accepted: their holders sign in again.
 */
export function issueSession(key: string, now: number): { token: string; expiresAt: number; id: string } {
  const expiresAt = now + SESSION_TTL_MS;
  const id = randomBytes(16).toString('base64url');
  return { token: `${VERSION}.${expiresAt}.${id}.${mac(key, expiresAt, id).toString('base64url')}`, expiresAt, id };
}

/** The session when the token was issued for this key and has not expired (revocation not checked); compared in constant time. */
export function sessionOf(key: string, token: string, now: number): DashboardSession | undefined {
  const match = /^v2\.(\d{13,15})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return undefined;
  const expiresAt = Number(match[1]);
  if (!(expiresAt > now) || expiresAt > now + SESSION_TTL_MS) return undefined;
  const presented = Buffer.from(match[3], 'base64url');
  if (presented.length !== 32 || !timingSafeEqual(presented, mac(key, expiresAt, match[2]))) return undefined;
  return { id: match[2], expiresAt };
}

/** True when the token was issued for this key and has not expired (revocation not checked). */
export function verifySession(key: string, token: string, now: number): boolean {
  return sessionOf(key, token, now) !== undefined;
}

/** The value of one cookie from a Cookie header (the first one of that name). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A Set-Cookie value: HttpOnly (no script reads it), SameSite=Strict (no cross-site request carries it). */
export function sessionCookie(token: string, maxAgeMs: number, secure: boolean): string {
  const attributes = [`${SESSION_COOKIE}=${token}`, 'Path=/', `Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`, 'HttpOnly', 'SameSite=Strict'];
  if (secure) attributes.push('Secure');
  return attributes.join('; ');
}
