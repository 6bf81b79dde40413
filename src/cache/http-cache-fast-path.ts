import { Injectable, type ExecutionContext } from '@nestjs/common';
import { GUARDS_METADATA, INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeEntry } from './cache-entry';
import { LRUCache } from 'lru-cache';
import type { CacheKey } from './cache-keys';
import { CacheStack } from './cache-stack';
import { setCachedResponseHeaders, type CachedResponse } from './http-response';
import type { LocalEntry } from './tiers/local-tier';

/**
 * Answers fresh L1 hits of cached GET routes from a Fastify `onRequest` hook, before Nest's
 * router, guards, pipes and interceptors run: the same bytes and headers the interceptor would
 * send, at a fraction of the CPU (docs/BENCHMARKS.md). Everything else (misses, stale, L2,
 * another method) falls through to the full path, which stays the only one that computes.
 *
 * Routes are learned from the interceptor: the first cacheable request of a route tells its
 * policy. A route with guards or interceptors of its own is never learned, since skipping them
 * could change the answer. Its hook runs before Nest's middleware (`installHttpCacheFastPath`),
 * so pino-http's per-request logger is skipped too; Fastify's hooks (request id, metrics,
 * ETag/304) run either way, and `logFastPathHits` writes the access line. The decoded response is
 * kept per L1 entry object, so each entry is decoded once.
 */
@Injectable()
export class HttpCacheFastPath {
  /** Route patterns safe to answer here (no guards or interceptors of their own). */
  private readonly routes = new Set<string>();
  private readonly judged = new WeakSet<object>();
  private readonly decoded = new WeakMap<LocalEntry, CachedResponse>();
  private readonly served = new WeakSet<FastifyRequest>();
  /**
   * Raw URL → stored key, as the interceptor computed it from the validated request: only URLs
   * the full path has accepted are answered here, so a spelling it would refuse never is.
   */
  private readonly keys = new LRUCache<string, string>({ max: 10_000 });

  constructor(
    private readonly stack: CacheStack,
    private readonly reflector: Reflector,
  ) {}

  /** Called by the interceptor for every request it caches under `policy`. */
  learn(context: ExecutionContext): void {
    const handler = context.getHandler();
    if (this.judged.has(handler)) return;
    this.judged.add(handler);
    const targets = [handler, context.getClass()];
    const ownGuards = this.reflector.getAllAndMerge<unknown[]>(GUARDS_METADATA, targets);
    const ownInterceptors = this.reflector.getAllAndMerge<unknown[]>(INTERCEPTORS_METADATA, targets);
    const route = context.switchToHttp().getRequest<FastifyRequest>().routeOptions.url;
    if (ownGuards.length === 0 && ownInterceptors.length === 0 && route) this.routes.add(route);
  }

  /** Called by the interceptor once it has the canonical key of a request it cached. */
  remember(request: FastifyRequest, key: CacheKey): void {
    const route = request.routeOptions.url;
    if (route !== undefined && this.routes.has(route)) this.keys.set(request.url, this.stack.keys.scope(key));
  }

  /** Whether this request was answered here (its access log line is written apart: pino-http never saw it). */
  answered(request: FastifyRequest): boolean {
    return this.served.has(request);
  }

  /** Sends the cached response and returns true, or returns false to let the full path run. */
  answer(request: FastifyRequest, reply: FastifyReply): boolean {
    if (request.method !== 'GET' || this.keys.size === 0) return false;
    const key = this.keys.get(request.url);
    if (key === undefined) return false;
    const entry = this.stack.peekLocal(key);
    if (!entry) return false;
    const response = this.responseOf(entry);
    if (!response) return false;
    setCachedResponseHeaders(reply, response, { source: 'l1', createdAt: entry.createdAt, staleAt: entry.staleAt }, this.stack.now());
    this.served.add(request);
    void reply.send(response.body);
    return true;
  }

  private responseOf(entry: LocalEntry): CachedResponse | undefined {
    let response = this.decoded.get(entry);
    if (response) return response;
    try {
      response = decodeEntry<CachedResponse>(entry.bytes).value;
    } catch {
      return undefined; // the full path deals with a bad entry (a miss, deleted)
    }
    this.decoded.set(entry, response);
    return response;
  }
}

/**
 * Adds the fast path's `onRequest` hook. Call before `NestFactory.create`, which registers
 * @fastify/middie (and so every Nest middleware) as a hook of its own: hooks run in the order they
 * were added. Answers nothing until `bind` hands it the app's `HttpCacheFastPath`.
 */
export function installHttpCacheFastPath(
  fastify: FastifyInstance,
  /** Whether the request may be answered here at all (the caller holds the route's scopes); false: the full path, guards included. */
  admits: (request: FastifyRequest) => boolean = () => true,
): { bind(fastPath: HttpCacheFastPath): void } {
  let target: HttpCacheFastPath | undefined;
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (!target || !admits(request) || !target.answer(request, reply)) done();
  });
  return { bind: (fastPath) => (target = fastPath) };
}
