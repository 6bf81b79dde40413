import { cookieValue, issueSession, SESSION_COOKIE, SESSION_TTL_MS, sessionCookie, sessionOf, verifySession } from './dashboard-session';

const KEY = 'dashboard-key-0123456789';
const NOW = 1_750_000_000_000;

describe('dashboard session tokens', () => {
  it('accepts a token for its key until it expires', () => {
    const { token, expiresAt } = issueSession(KEY, NOW);
    expect(expiresAt).toBe(NOW + SESSION_TTL_MS);
    expect(token).not.toContain(KEY);
    expect(verifySession(KEY, token, NOW)).toBe(true);
    expect(verifySession(KEY, token, expiresAt - 1)).toBe(true);
    expect(verifySession(KEY, token, expiresAt)).toBe(false);
  });

  it('refuses a token of another key, a tampered expiry, id or mac, and garbage', () => {
    const { token, id } = issueSession(KEY, NOW);
    const [version, expiresAt, tokenId, mac] = token.split('.');
    expect(tokenId).toBe(id);
    expect(sessionOf(KEY, token, NOW)).toEqual({ id, expiresAt: Number(expiresAt) });
    expect(verifySession(`${KEY}x`, token, NOW)).toBe(false);
    expect(verifySession(KEY, `${version}.${Number(expiresAt) + 1000}.${tokenId}.${mac}`, NOW)).toBe(false);
    expect(verifySession(KEY, `${version}.${expiresAt}.${issueSession(KEY, NOW).id}.${mac}`, NOW)).toBe(false);
    expect(verifySession(KEY, `${version}.${expiresAt}.${tokenId}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`, NOW)).toBe(false);
    for (const bad of ['', 'v2', `v1.${expiresAt}.${mac}`, `v2.${expiresAt}.${mac}`, `${token}.x`, KEY]) expect(verifySession(KEY, bad, NOW)).toBe(false);
  });

  it('refuses a token claiming a lifetime longer than a session can have', () => {
    const { token } = issueSession(KEY, NOW + SESSION_TTL_MS);
    expect(verifySession(KEY, token, NOW)).toBe(false);
  });

  it('reads its cookie among others and writes it HttpOnly and SameSite=Strict', () => {
    expect(cookieValue(`a=1; ${SESSION_COOKIE}=tok; b=2`, SESSION_COOKIE)).toBe('tok');
    expect(cookieValue('a=1', SESSION_COOKIE)).toBeUndefined();
    expect(cookieValue(undefined, SESSION_COOKIE)).toBeUndefined();
    expect(sessionCookie('tok', 60_000, false)).toBe(`${SESSION_COOKIE}=tok; Path=/; Max-Age=60; HttpOnly; SameSite=Strict`);
    expect(sessionCookie('tok', 60_000, true)).toMatch(/; Secure$/);
  });
});
