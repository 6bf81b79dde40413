import { applyDecorators, createParamDecorator, SetMetadata, UseGuards, type CanActivate, type ExecutionContext, type Type } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiSecurity } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { SELF_GUARDED } from '../auth';
import { NoCache } from '../cache';
import { ApiErrorResponses } from '../openapi/api-responses.decorator';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../openapi/openapi';
import { ADMIN_MESSAGES } from './admin.constants';
import { ADMIN_AUTH, AdminThrottlerGuard } from './admin-throttler.guard';
import { adminActorOf, ApiKeyGuard } from './api-key.guard';

/**
 * Everything an admin route (or controller) needs: never cached, the `admin` scope checked by
 * `auth` (`ApiKeyGuard`, or e.g. the dashboard's, which also accepts its session cookie) run by
 * `AdminThrottlerGuard`, which then spends the caller's admin budget, or the client IP's
 * failed-attempt budget when `auth` refused. The global `ScopeGuard` stands aside. Needs
 * `AuthModule` in the app (it registers the throttlers).
 */
export const AdminRoute = (auth: Type<CanActivate> = ApiKeyGuard) =>
  applyDecorators(
    NoCache(),
    SetMetadata(SELF_GUARDED, true),
    SetMetadata(ADMIN_AUTH, auth),
    UseGuards(AdminThrottlerGuard),
    ApiSecurity(API_KEY_SCHEME),
    ApiBearerAuth(BEARER_SCHEME),
    ApiExtension('x-scopes', ['admin']),
    ApiErrorResponses(
      { status: 401, error: 'UNAUTHORIZED', message: ADMIN_MESSAGES.unauthorized },
      { status: 429, description: 'Admin rate limit exceeded: ADMIN_RATE_LIMIT_PER_MINUTE per caller, or ADMIN_FAILED_AUTH_PER_MINUTE failed attempts per client IP.' },
      { status: 503, description: 'The admin API is disabled: no ADMIN_API_KEY (or client credential with the admin scope) configured.', error: 'SERVICE_UNAVAILABLE', message: ADMIN_MESSAGES.disabled },
    ),
  );

/** The caller's key fingerprint (see `adminActorOf`), for audit log lines. */
export const AdminActor = createParamDecorator((_data: unknown, context: ExecutionContext): string =>
  adminActorOf(context.switchToHttp().getRequest<FastifyRequest>()),
);
