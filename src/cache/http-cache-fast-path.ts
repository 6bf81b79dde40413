import { Injectable, type ExecutionContext } from '@nestjs/common';
import { GUARDS_METADATA, INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeEntry } from './cache-entry';
import { LRUCache } from 'lru-cache';
import { CacheKeys, type CacheKey } from './cache-keys';
import type { PolicyName } from './cache-policies';
import { CacheStack } from './cache-stack';
import { httpCacheKeyOf, setCachedResponseHeaders, type CachedResponse } from './http-response';
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
  /** `GET {route pattern}` → policy of the routes safe to answer here. */
  private readonly routes = new Map<string, PolicyName>();
  private readonly judged = new WeakSet<object>();
  private readonly decoded = new WeakMap<LocalEntry, CachedResponse>();
  private readonly served = new WeakSet<FastifyRequest>();
  /** Raw URL → cache key: hot URLs skip the query sort and the key's SHA-256. */
  private readonly keys = new LRUCache<string, CacheKey>({ max: 10_000 });

  constructor(
    private readonly stack: CacheStack,
    private readonly reflector: Reflector,
  ) {}

  /** Called by the interceptor for every request it caches under `policy`. */
  learn(context: ExecutionContext, policy: PolicyName): void {
    const handler = context.getHandler();
    if (this.judged.has(handler)) return;
    this.judged.add(handler);
    const targets = [handler, context.getClass()];
    const ownGuards = this.reflector.getAllAndMerge<unknown[]>(GUARDS_METADATA, targets);
    const ownInterceptors = this.reflector.getAllAndMerge<unknown[]>(INTERCEPTORS_METADATA, targets);
    const route = context.switchToHttp().getRequest<FastifyRequest>().routeOptions.url;
    if (ownGuards.length === 0 && ownInterceptors.length === 0 && route) this.routes.set(route, policy);
  }

  /** Whether this request was answered here (its access log line is written apart: pino-http never saw it). */
  answered(request: FastifyRequest): boolean {
    return this.served.has(request);
  }

  /** Sends the cached response and returns true, or returns false to let the full path run. */
  answer(request: FastifyRequest, reply: FastifyReply): boolean {
    if (request.method !== 'GET' || this.routes.size === 0) return false;
    const route = request.routeOptions.url;
    const policy = route === undefined ? undefined : this.routes.get(route);
    if (!policy) return false;
    let key = this.keys.get(request.url);
    if (key === undefined) {
      key = this.stack.keys.scope(CacheKeys.http(policy, httpCacheKeyOf(request))) as CacheKey;
      this.keys.set(request.url, key);
    }
    const entry = this.stack.peekLocal(key);
    if (!entry) return false;
    const response = this.responseOf(entry);
    if (!response) return false;
    setCachedResponseHeaders(reply, response, { source: 'l1', createdAt: entry.createdAt, staleAt: entry.staleAt });
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
export function installHttpCacheFastPath(fastify: FastifyInstance): { bind(fastPath: HttpCacheFastPath): void } {
  let target: HttpCacheFastPath | undefined;
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (!target?.answer(request, reply)) done();
  });
  return { bind: (fastPath) => (target = fastPath) };
}
