import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { callerOf } from './caller';
import type { Scope } from './scopes';

/**
 * The scopes of each route pattern, as `ScopeGuard` found them on its first request. The HTTP
 * cache fast path answers before any Nest guard runs, so it asks here first: it may answer only
 * routes the guard has seen that need nothing beyond `read` (`compute` routes always take the full
 * path, where their budget is counted), and only callers holding what the route needs.
 */
@Injectable()
export class RouteScopes {
  private readonly byRoute = new Map<string, readonly Scope[]>();

  record(route: string, scopes: readonly Scope[]): void {
    if (!this.byRoute.has(route)) this.byRoute.set(route, scopes);
  }

  /** Whether the fast path may answer this request (else it falls through to Nest, guards included). */
  admitsFastPath(request: FastifyRequest): boolean {
    const route = request.routeOptions.url;
    const scopes = route === undefined ? undefined : this.byRoute.get(route);
    if (scopes === undefined) return false;
    const caller = callerOf(request);
    return scopes.every((scope) => scope === 'read' && caller.scopes.has(scope));
  }
}
