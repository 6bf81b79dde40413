import { Injectable, ServiceUnavailableException, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { callerOf, CallerRegistry } from '../auth';
import { ADMIN_MESSAGES } from './admin.constants';

const ACTOR = Symbol('mc:admin-actor');
type AdminRequest = FastifyRequest & { [ACTOR]?: string };

/** Who called an admin route: the first 8 hex chars of the SHA-256 of their key, never the key. */
export function adminActorOf(request: FastifyRequest): string {
  return (request as AdminRequest)[ACTOR] ?? 'unknown';
}

/**
 * Admits a caller holding the `admin` scope: `ADMIN_API_KEY` (the caller `admin`) or a client
 * credential with `admin`, sent as `x-api-key` or `Authorization: Bearer`. The secret was checked
 * in constant time when the request was identified (`CallerRegistry.identify`). Without any admin
 * credential the admin API is off (503), never open. Transport-level, so it throws HTTP exceptions.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly callers: CallerRegistry) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.callers.adminConfigured()) throw new ServiceUnavailableException(ADMIN_MESSAGES.disabled);
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const caller = callerOf(request);
    if (!caller.scopes.has('admin')) throw new UnauthorizedException(ADMIN_MESSAGES.unauthorized);
    request[ACTOR] = caller.fingerprint ?? 'unknown';
    return true;
  }
}
