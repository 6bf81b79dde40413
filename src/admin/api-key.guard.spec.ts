import { ServiceUnavailableException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AllConfig } from '../config/configuration';
import { adminActorOf, ApiKeyGuard } from './api-key.guard';

const KEY = 'k-0123456789abcdef';

// The real comparison, observed: the guard must call it (and only it) to decide.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

function guardWith(key: string | undefined): ApiKeyGuard {
  const config = { get: () => ({ adminApiKey: key }) } as unknown as ConfigService<AllConfig, true>;
  return new ApiKeyGuard(config);
}

function contextFor(headers: Record<string, string | string[]>): { context: ExecutionContext; request: FastifyRequest } {
  const request = { headers } as unknown as FastifyRequest;
  const context = { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
  return { context, request };
}

describe(ApiKeyGuard.name, () => {
  it('refuses every request with 503 when no key is configured', () => {
    const sut = guardWith(undefined);
    expect(() => sut.canActivate(contextFor({ 'x-api-key': KEY }).context)).toThrow(ServiceUnavailableException);
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
    const sut = guardWith(KEY);
    expect(() => sut.canActivate(contextFor(headers).context)).toThrow(UnauthorizedException);
  });

  it.each([
    ['x-api-key', { 'x-api-key': KEY }],
    ['Bearer', { authorization: `Bearer ${KEY}` }],
    ['bearer, any case', { authorization: `bEaReR ${KEY}` }],
  ])('admits the key sent as %s and records its fingerprint, not the key', (_name, headers) => {
    const sut = guardWith(KEY);
    const { context, request } = contextFor(headers);
    expect(sut.canActivate(context)).toBe(true);
    expect(adminActorOf(request)).toBe(createHash('sha256').update(KEY).digest('hex').slice(0, 8));
  });
});

describe(`${ApiKeyGuard.name}: constant-time comparison`, () => {
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
    const sut = guardWith(KEY);

    let admitted: boolean;
    try {
      admitted = sut.canActivate(contextFor({ 'x-api-key': presented }).context);
    } catch {
      admitted = false;
    }

    expect(admitted).toBe(presented === KEY);
    expect(compare).toHaveBeenCalledTimes(1);
    const [given, expected] = compare.mock.calls[0] as [Buffer, Buffer];
    expect(given).toHaveLength(32);
    expect(expected).toHaveLength(32);
    expect(Buffer.compare(given, digestOf(presented))).toBe(0);
    expect(Buffer.compare(expected, digestOf(KEY))).toBe(0);
  });
});
