import { ServiceUnavailableException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { CallerRegistry } from '../auth';
import { setCaller } from '../auth/caller';
import { buildAllConfig, type AllConfig } from '../config/configuration';
import { validateEnv } from '../config/load-env';
import { adminActorOf, ApiKeyGuard } from './api-key.guard';

const KEY = 'k-0123456789abcdef';

// The real comparison, observed: identification must call it (and only it) to decide.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

function registryWith(env: Record<string, string>): CallerRegistry {
  const all = buildAllConfig(validateEnv({ NODE_ENV: 'test', ...env }));
  const config = { get: (key: keyof AllConfig) => all[key] } as unknown as ConfigService<AllConfig, true>;
  return new CallerRegistry(config);
}

function guardWith(key: string | undefined): { guard: ApiKeyGuard; registry: CallerRegistry } {
  const registry = registryWith(key ? { ADMIN_API_KEY: key } : {});
  return { guard: new ApiKeyGuard(registry), registry };
}

/** A request as the identification hook leaves it: its caller set from its headers. */
function contextFor(registry: CallerRegistry, headers: Record<string, string | string[]>): { context: ExecutionContext; request: FastifyRequest } {
  const request = { headers, raw: {} } as unknown as FastifyRequest;
  setCaller(request, registry.identify(request.headers));
  const context = { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
  return { context, request };
}

describe(ApiKeyGuard.name, () => {
  it('refuses every request with 503 when no admin credential is configured', () => {
    const { guard, registry } = guardWith(undefined);
    expect(() => guard.canActivate(contextFor(registry, { 'x-api-key': KEY }).context)).toThrow(ServiceUnavailableException);
  });

  it('admits a CLIENT_CREDENTIALS caller holding admin, and refuses one without it', () => {
    const registry = registryWith({ CLIENT_CREDENTIALS: 'ops:admin:ops-secret-0123456789,reader:read:reader-secret-0123456789' });
    const guard = new ApiKeyGuard(registry);
    expect(guard.canActivate(contextFor(registry, { authorization: 'Bearer ops-secret-0123456789' }).context)).toBe(true);
    expect(() => guard.canActivate(contextFor(registry, { 'x-api-key': 'reader-secret-0123456789' }).context)).toThrow(UnauthorizedException);
  });

  it.each([
    ['no header', {}],
    ['a wrong key', { 'x-api-key': 'k-0123456789abcdeX' }],
    ['a prefix of the key', { 'x-api-key': KEY.slice(0, 8) }],
    ['a longer key', { 'x-api-key': `${KEY}0` }],
    ['an empty x-api-key', { 'x-api-key': '' }],
    ['a repeated x-api-key', { 'x-api-key': [KEY, KEY] }],
    ['Basic auth', { authorization: `Basic ${KEY}` }],
    ['a Bearer with two tokens', { authorization: `Bearer ${KEY} ${KEY}` }],
  ])('answers 401 to %s', (_name, headers) => {
    const { guard, registry } = guardWith(KEY);
    expect(() => guard.canActivate(contextFor(registry, headers).context)).toThrow(UnauthorizedException);
  });

  it.each([
    ['x-api-key', { 'x-api-key': KEY }],
    ['Bearer', { authorization: `Bearer ${KEY}` }],
    ['bearer, any case', { authorization: `bEaReR ${KEY}` }],
  ])('admits the key sent as %s and records its fingerprint, not the key', (_name, headers) => {
    const { guard, registry } = guardWith(KEY);
    const { context, request } = contextFor(registry, headers);
    expect(guard.canActivate(context)).toBe(true);
    expect(adminActorOf(request)).toBe(createHash('sha256').update(KEY).digest('hex').slice(0, 8));
  });
});

describe(`${CallerRegistry.name}: constant-time comparison`, () => {
  const digestOf = (text: string) => createHash('sha256').update(text).digest();

  const compare = jest.mocked(timingSafeEqual);

  beforeEach(() => compare.mockClear());

  it.each([
    ['a 1-character key', 'x'],
    ['a prefix of the key', KEY.slice(0, 8)],
    ['the key minus its last character', KEY.slice(0, -1)],
    ['a 4 KiB key', 'k'.repeat(4096)],
    ['the right key', KEY],
  ])('compares fixed-size SHA-256 digests with timingSafeEqual for %s (no shortcut on length or first differing byte)', (_name, presented) => {
    const { guard, registry } = guardWith(KEY);
    compare.mockClear();

    let admitted: boolean;
    try {
      admitted = guard.canActivate(contextFor(registry, { 'x-api-key': presented }).context);
    } catch {
      admitted = false;
    }

    expect(admitted).toBe(presented === KEY);
    expect(compare).toHaveBeenCalledTimes(1);
    const [given, expected] = compare.mock.calls[0] as [Buffer, Buffer];
    expect(given).toHaveLength(32);
    expect(expected).toHaveLength(32);
    expect(Buffer.compare(given, digestOf(presented))).toBe(0);
    // A hit is compared with the key's digest; a miss with a fixed 32-byte stand-in (same work, nothing learned).
    expect(Buffer.compare(expected, presented === KEY ? digestOf(KEY) : Buffer.alloc(32))).toBe(0);
  });
});
