import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';

interface L2RequestScope {
  /** An L2 call of this request passed its deadline (or failed): the rest of the request skips L2. */
  failed: boolean;
  /** Until the response is sent: work the request started and left running (a warmup, a refresh) reads L2 again afterwards. */
  open: boolean;
}

const SCOPE = Symbol('mc:l2-scope');
type WithScope = { [SCOPE]?: L2RequestScope };

const storage = new AsyncLocalStorage<L2RequestScope>();

/**
 * One HTTP request pays at most one L2 deadline: a request reads L2 more than once (its HTTP copy,
 * then the value, then what the value is built from), and while Redis is failing but the breaker
 * has not opened yet each read used to wait `CACHE_L2_TIMEOUT_MS`. `L2Guard` notes the first
 * failure in the request's scope and refuses the rest of that request's L2 calls at once (as if
 * the breaker were open). Other requests are not affected: the breaker decides for them.
 */
export function installL2RequestScope(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const scope: L2RequestScope = { failed: false, open: true };
    (request as unknown as WithScope)[SCOPE] = scope;
    storage.run(scope, done);
  });
  const close = (request: unknown, done: () => void) => {
    const scope = (request as WithScope)[SCOPE];
    if (scope) scope.open = false;
    done();
  };
  fastify.addHook('onResponse', (request, _reply, done) => close(request, done));
  fastify.addHook('onRequestAbort', (request, done) => close(request, done));
}

/** Runs `fn` as one request for L2 (the CLI, tests). */
export function withL2RequestScope<T>(fn: () => T): T {
  return storage.run({ failed: false, open: true }, fn);
}

export function l2FailedInThisRequest(): boolean {
  const scope = storage.getStore();
  return scope?.failed === true && scope.open;
}

export function noteL2FailureInThisRequest(): void {
  const scope = storage.getStore();
  if (scope) scope.failed = true;
}
