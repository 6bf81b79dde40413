import { applyDecorators, createParamDecorator, UseGuards, type CanActivate, type ExecutionContext, type Type } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { NoCache } from '../cache';
import { ApiErrorResponses } from '../openapi/api-responses.decorator';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../openapi/openapi';
import { ADMIN_MESSAGES } from './admin.constants';
import { AdminThrottlerGuard } from './admin-throttler.guard';
import { adminActorOf, ApiKeyGuard } from './api-key.guard';

/**
 * Everything an admin route (or controller) needs: never cached, rate-limited, then the API key
 * (or another `auth` guard, e.g. the dashboard's, which also accepts its session cookie). The limit
 * runs first so that guessing keys is rate-limited too. Needs `AdminModule` in the app (it
 * registers the throttler), not in the importing module.
 */
export const AdminRoute = (auth: Type<CanActivate> = ApiKeyGuard) =>
  applyDecorators(
    NoCache(),
    UseGuards(AdminThrottlerGuard, auth),
    ApiSecurity(API_KEY_SCHEME),
    ApiBearerAuth(BEARER_SCHEME),
    ApiErrorResponses(
      { status: 401, error: 'UNAUTHORIZED', message: ADMIN_MESSAGES.unauthorized },
      { status: 429, description: 'Admin rate limit exceeded (ADMIN_RATE_LIMIT_PER_MINUTE).' },
      { status: 503, description: 'The admin API is disabled: no ADMIN_API_KEY configured.', error: 'SERVICE_UNAVAILABLE', message: ADMIN_MESSAGES.disabled },
    ),
  );

/** The caller's key fingerprint (see `adminActorOf`), for audit log lines. */
export const AdminActor = createParamDecorator((_data: unknown, context: ExecutionContext): string =>
  adminActorOf(context.switchToHttp().getRequest<FastifyRequest>()),
);
