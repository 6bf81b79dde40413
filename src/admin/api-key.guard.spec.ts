import { ServiceUnavailableException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import type { AllConfig } from '../config/configuration';
import { adminActorOf, ApiKeyGuard } from './api-key.guard';

const KEY = 'k-0123456789abcdef';

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
