import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';

interface L2RequestScope {
  /** An L2 call of this request passed its deadline (or failed): the rest of the request skips L2. */
  failed: boolean;
}

const storage = new AsyncLocalStorage<L2RequestScope>();

/**
 * One HTTP request pays at most one L2 deadline: a request reads L2 more than once (its HTTP copy,
 * then the value, then what the value is built from), and while Redis is failing but the breaker
 * has not opened yet each read used to wait `CACHE_L2_TIMEOUT_MS`. `L2Guard` notes the first
 * failure in the request's scope and refuses the rest of that request's L2 calls at once (as if
 * the breaker were open). Other requests are not affected: the breaker decides for them.
 */
export function installL2RequestScope(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (_request, _reply, done) => storage.run({ failed: false }, done));
}

/** Runs `fn` as one request for L2 (the CLI, tests). */
export function withL2RequestScope<T>(fn: () => T): T {
  return storage.run({ failed: false }, fn);
}

export function l2FailedInThisRequest(): boolean {
  return storage.getStore()?.failed === true;
}

export function noteL2FailureInThisRequest(): void {
  const scope = storage.getStore();
  if (scope) scope.failed = true;
}
