import { createHmac, timingSafeEqual } from 'node:crypto';

/** Name of the dashboard's session cookie. */
export const SESSION_COOKIE = 'mc_dashboard';
/** How long a dashboard session lasts before the key must be given again. */
export const SESSION_TTL_MS = 12 * 60 * 60_000;

const VERSION = 'v1';
// Domain separation: a session token is a MAC of the admin key over this label, so it is never the
// key itself, cannot be turned back into it, and only ever opens the dashboard's read-only routes.
const LABEL = 'mc-dashboard-session';

const mac = (key: string, expiresAt: number): Buffer => createHmac('sha256', key).update(`${LABEL}:${expiresAt}`).digest();

/** A session token `v1.<expiresAt>.<mac>` for the admin key, valid until `now + SESSION_TTL_MS`. */
export function issueSession(key: string, now: number): { token: string; expiresAt: number } {
  const expiresAt = now + SESSION_TTL_MS;
  return { token: `${VERSION}.${expiresAt}.${mac(key, expiresAt).toString('base64url')}`, expiresAt };
}

/** True when the token was issued for this key and has not expired; compared in constant time. */
export function verifySession(key: string, token: string, now: number): boolean {
  const match = /^v1\.(\d{13,15})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return false;
  const expiresAt = Number(match[1]);
  if (!(expiresAt > now) || expiresAt > now + SESSION_TTL_MS) return false;
  const presented = Buffer.from(match[2], 'base64url');
  return presented.length === 32 && timingSafeEqual(presented, mac(key, expiresAt));
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
