import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiSecurity } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiErrorResponses } from '../openapi/api-responses.decorator';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../openapi/openapi';
import { callerOf, type Caller } from './caller';
import type { Scope } from './scopes';

/** Metadata: the scopes a route needs (all of them); `[]` for a public route. */
export const REQUIRED_SCOPES = 'mc:required-scopes';
/** Metadata: the route checks its caller with guards of its own (admin routes); the global guard stands aside. */
export const SELF_GUARDED = 'mc:self-guarded';

/** OpenAPI side of a scoped route: both credential schemes, and the scopes as `x-scopes`. */
export const ApiScopes = (scopes: readonly Scope[]) =>
  applyDecorators(ApiSecurity(API_KEY_SCHEME), ApiBearerAuth(BEARER_SCHEME), ApiExtension('x-scopes', [...scopes]));

/**
 * The route (or every route of the controller) needs all of `scopes`. Checked by the global
 * `ScopeGuard`: 401 naming the scope for a caller without (valid) credentials, 403 for a known
 * caller that lacks it. `compute` routes also count against the caller's budget (429).
 * A route without `@RequireScope` or `@PublicRoute` needs `read`.
 */
export const RequireScope = (...scopes: [Scope, ...Scope[]]) =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPES, scopes),
    ApiScopes(scopes),
    ApiErrorResponses(
      { status: 401 as const, description: `No valid client credential, and anonymous callers lack the ${scopes.join(' + ')} scope.` },
      { status: 403 as const, description: `The caller's credential lacks the ${scopes.join(' + ')} scope.` },
      ...(scopes.includes('compute') ? [{ status: 429 as const, description: 'The caller used its compute budget (CALLER_COMPUTE_PER_MINUTE); see Retry-After.' }] : []),
    ),
  );

/** Open to every caller, credentials or not (probes, metrics scrapes, static assets). */
export const PublicRoute = () => SetMetadata(REQUIRED_SCOPES, []);

/** The request's `Caller` (name and scopes), e.g. to own alerts: `owner = caller.name`; `caller.scopes.has('admin')` sees all. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller =>
  callerOf(context.switchToHttp().getRequest<FastifyRequest>()),
);
