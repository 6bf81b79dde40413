import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { setCaller } from './caller';
import type { CallerRegistry } from './caller-registry';
import type { RouteScopes } from './route-scopes';

export interface CallerIdentification {
  /** Hands the hook the app's registry (before the server listens). */
  bind(registry: CallerRegistry, routes: RouteScopes): void;
  /** For the HTTP cache fast path: may it answer this request? False until bound. */
  admitsFastPath(request: FastifyRequest): boolean;
}

/**
 * An `onRequest` hook that sets every request's `Caller` (see `callerOf`). Install it before the
 * HTTP cache fast path's hook and before `NestFactory.create` (Nest's middleware, pino-http among
 * them): hooks run in the order they were added, so the fast path, the logs and the metrics all
 * know the caller. Costs one SHA-256 when a secret is presented, nothing otherwise.
 */
export function installCallerIdentification(fastify: FastifyInstance): CallerIdentification {
  let registry: CallerRegistry | undefined;
  let routes: RouteScopes | undefined;
  fastify.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    if (registry) setCaller(request, registry.identify(request.headers));
    done();
  });
  return {
    bind: (r, s) => {
      registry = r;
      routes = s;
    },
    admitsFastPath: (request) => routes?.admitsFastPath(request) ?? false,
  };
}
