import { ForbiddenException, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { REQUIRED_SCOPES, SELF_GUARDED } from './auth.decorators';
import { callerOf } from './caller';
import { ComputeBudgetGuard } from './compute-budget.guard';
import { RouteScopes } from './route-scopes';
import type { Scope } from './scopes';

/** Routes that declare nothing need this. */
const DEFAULT_SCOPES: readonly Scope[] = ['read'];
const HOW = 'send a client credential as Authorization: Bearer <secret> or x-api-key (docs/SECURITY.md)';

/**
 * The global guard: the route's `@RequireScope` (default `read`; `@PublicRoute` needs nothing)
 * against the request's `Caller`. 401 naming the missing scope when the caller presented no
 * credential or a wrong one, 403 when a known caller lacks it; then, on `compute` routes, the
 * caller's budget. Admin routes (`@AdminRoute`) are checked by their own guards. It also binds
 * the caller's name to the request's logger, so lines logged while the request runs carry it.
 */
@Injectable()
export class ScopeGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly routes: RouteScopes,
    private readonly budget: ComputeBudgetGuard,
    private readonly log: PinoLogger,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const selfGuarded = this.reflector.getAllAndOverride<boolean | undefined>(SELF_GUARDED, targets) === true;
    const required = selfGuarded ? (['admin'] as const) : (this.reflector.getAllAndOverride<Scope[] | undefined>(REQUIRED_SCOPES, targets) ?? DEFAULT_SCOPES);
    const route = request.routeOptions.url;
    if (route !== undefined) this.routes.record(route, required);
    const caller = callerOf(request);
    // Lines logged from here on in this request name the caller too (the completion line has it from customProps).
    try {
      this.log.assign({ caller: caller.name });
    } catch {
      // outside a request's logging scope (no pino-http middleware ran): nothing to bind to
    }
    if (selfGuarded) return true;

    const missing = required.filter((scope) => !caller.scopes.has(scope));
    if (missing.length > 0) {
      const needs = `This route needs the ${missing.join(' + ')} scope`;
      if (caller.rejected) throw new UnauthorizedException(`${needs}, and the credential presented matches no configured client; ${HOW}`);
      if (!caller.authenticated) throw new UnauthorizedException(`${needs}, which anonymous callers lack here; ${HOW}`);
      throw new ForbiddenException(`${needs}, which caller "${caller.name}" lacks`);
    }
    if (required.includes('compute')) await this.budget.canActivate(context);
    return true;
  }
}
