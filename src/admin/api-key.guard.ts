import { Injectable, ServiceUnavailableException, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AllConfig } from '../config/configuration';
import { ADMIN_MESSAGES } from './admin.constants';

const ACTOR = Symbol('mc:admin-actor');
type AdminRequest = FastifyRequest & { [ACTOR]?: string };

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Who called an admin route: the first 8 hex chars of the SHA-256 of their key, never the key. */
export function adminActorOf(request: FastifyRequest): string {
  return (request as AdminRequest)[ACTOR] ?? 'unknown';
}

/** The key from `x-api-key`, else from `Authorization: Bearer`; repeated headers count as none. */
function presentedKey(headers: FastifyRequest['headers']): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const bearer = typeof headers.authorization === 'string' ? /^Bearer[ ]+(\S+)\s*$/i.exec(headers.authorization) : null;
  return bearer?.[1];
}

/**
 * Admits a request carrying `ADMIN_API_KEY`. Digests are compared, not keys: `timingSafeEqual`
 * needs equal lengths, and comparing fixed-size digests leaks neither the key's bytes nor its
 * length through timing. Without a configured key the admin API is off (503), never open.
 * Transport-level, so it throws HTTP exceptions itself.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(config: ConfigService<AllConfig, true>) {
    const key = config.get('app', { infer: true }).adminApiKey;
    this.expected = key ? sha256(key) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) throw new ServiceUnavailableException(ADMIN_MESSAGES.disabled);
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const key = presentedKey(request.headers);
    const digest = sha256(key ?? '');
    if (key === undefined || !timingSafeEqual(digest, this.expected)) throw new UnauthorizedException(ADMIN_MESSAGES.unauthorized);
    request[ACTOR] = digest.toString('hex').slice(0, 8);
    return true;
  }
}
