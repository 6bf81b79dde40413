import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAuthConfig, parseAnonymousScopes, parseClientCredentials } from '../config/auth.config';
import { validateEnv } from '../config/load-env';
import { readCredentialsFile } from './credentials-file';
import { presentedSecret } from './presented-secret';

const SECRET = 's3cret-0123456789abcdef';

describe('CLIENT_CREDENTIALS', () => {
  it('parses name:scope+scope:secret entries; a secret may contain colons; a name may repeat (rotation)', () => {
    expect(parseClientCredentials(` a:read:${SECRET}, b:read+compute:x:${SECRET} ,a:read:${SECRET}2 `)).toEqual([
      { name: 'a', scopes: ['read'], secret: SECRET },
      { name: 'b', scopes: ['read', 'compute'], secret: `x:${SECRET}` },
      { name: 'a', scopes: ['read'], secret: `${SECRET}2` },
    ]);
  });

  it.each([
    ['no secret', 'a:read', /entry 1 must be name:scope\+scope:secret/],
    ['an unknown scope', `a:read+root:${SECRET}`, /scopes must be one or more of read, compute, alerts, admin/],
    ['a short secret', 'a:read:short', /secret must be 16-256 characters/],
    ['an upper-case name', `Svc:read:${SECRET}`, /name must be 1-32 chars/],
    ['the reserved name anonymous', `anonymous:read:${SECRET}`, /reserved/],
    ['the reserved name admin (ADMIN_API_KEY)', `admin:read:${SECRET}`, /reserved/],
  ])('refuses %s, without repeating the secret', (_name, text, message) => {
    expect(() => parseClientCredentials(text)).toThrow(message);
    try {
      validateEnv({ CLIENT_CREDENTIALS: text });
      throw new Error('accepted');
    } catch (error) {
      expect((error as Error).message).toMatch(/CLIENT_CREDENTIALS/);
      expect((error as Error).message).not.toContain(SECRET);
    }
  });
});

describe('AUTH_ANONYMOUS_SCOPES and defaults', () => {
  it('takes none or a list without admin', () => {
    expect(parseAnonymousScopes('none')).toEqual([]);
    expect(parseAnonymousScopes('read, compute')).toEqual(['read', 'compute']);
    expect(() => parseAnonymousScopes('read,admin')).toThrow(/admin/);
    expect(() => validateEnv({ AUTH_ANONYMOUS_SCOPES: 'admin' })).toThrow(/AUTH_ANONYMOUS_SCOPES/);
  });

  it('budgets compute at 120 per minute, except under test (0: none); failed admin attempts at 10', () => {
    expect(buildAuthConfig(validateEnv({}))).toMatchObject({ computePerMinute: 120, adminFailedAuthPerMinute: 10, credentialsReloadMs: 5000, anonymousScopes: undefined });
    expect(buildAuthConfig(validateEnv({ NODE_ENV: 'production' })).computePerMinute).toBe(120);
    expect(buildAuthConfig(validateEnv({ NODE_ENV: 'test' })).computePerMinute).toBe(0);
  });
});

describe('credentials file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mc-creds-spec-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const fileWith = (content: string) => {
    writeFileSync(join(dir, 'c.json'), content);
    return join(dir, 'c.json');
  };

  it('reads { clients: [...] } or an array, with secret or secrets', () => {
    const clients = [{ name: 'a', scopes: ['read'], secret: SECRET }, { name: 'b', scopes: ['alerts'], secrets: [SECRET, `${SECRET}x`] }];
    for (const content of [JSON.stringify({ clients }), JSON.stringify(clients)]) {
      expect(readCredentialsFile(fileWith(content)).map((c) => `${c.name}:${c.scopes.join('+')}:${c.secret}`)).toEqual([`a:read:${SECRET}`, `b:alerts:${SECRET}`, `b:alerts:${SECRET}x`]);
    }
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['no clients', '{}', /expected \{ "clients"/],
    ['an empty secrets list', JSON.stringify([{ name: 'a', scopes: ['read'], secrets: [] }]), /client 1: client "a": secret must be/],
    ['a bad scope', JSON.stringify([{ name: 'a', scopes: ['write'], secret: SECRET }]), /client 1: client "a": scopes must be/],
  ])('refuses %s, naming the entry, never the secret', (_name, content, message) => {
    expect(() => readCredentialsFile(fileWith(content))).toThrow(message);
    expect(() => readCredentialsFile(fileWith(content))).toThrow(expect.objectContaining({ message: expect.not.stringContaining(SECRET) }));
  });
});

describe(presentedSecret.name, () => {
  it('takes x-api-key first, else a single Bearer token; nothing else', () => {
    expect(presentedSecret({ 'x-api-key': 'k', authorization: 'Bearer b' })).toBe('k');
    expect(presentedSecret({ authorization: 'bearer  b ' })).toBe('b');
    expect(presentedSecret({ authorization: 'Basic b' })).toBeUndefined();
    expect(presentedSecret({ authorization: 'Bearer a b' })).toBeUndefined();
    expect(presentedSecret({ 'x-api-key': '' })).toBeUndefined();
    expect(presentedSecret({ 'x-api-key': ['a', 'b'] })).toBeUndefined();
  });
});
