import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { lastValueFrom, of, type Observable } from 'rxjs';
import { CACHE_POLICY_METADATA, NO_CACHE_METADATA } from './cache.constants';
import { CacheKeys, type CacheKey } from './cache-keys';
import type { PolicyName } from './cache-policies';
import type { CacheResult } from './cache-stack';
import { CacheService } from './cache.service';
import { HttpCacheFastPath } from './http-cache-fast-path';
import { HttpRequestIdentity } from './http-request-identity';
import { setCachedResponseHeaders, type CachedResponse } from './http-response';

/**
 * Caches GET responses of routes marked `@CachePolicy(name)`, through `CacheService.wrapWithMeta`
 * (so single-flight, grace and both tiers apply: 200 concurrent cold GETs run the handler once).
 * The body is serialized to JSON once and served as bytes on every hit. Sets `X-Cache`, `Age`,
 * `Cache-Control` and `ETag`; the Fastify etag hook answers 304 to a matching `If-None-Match`.
 * Shaped like `@nestjs/cache-manager`'s `CacheInterceptor` (override `trackBy`), but fail-open:
 * a cache fault never turns into an error response. Routes it caches are taught to
 * `HttpCacheFastPath`, which answers their later fresh L1 hits before Nest runs at all.
 */
@Injectable()
export class HttpCacheInterceptor implements NestInterceptor {
  constructor(
    protected readonly cache: CacheService,
    protected readonly reflector: Reflector,
    private readonly fastPath: HttpCacheFastPath,
    private readonly identity: HttpRequestIdentity,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() === 'http') this.identity.refuseUnknownQuery(context);
    const policy = this.policyOf(context);
    const key = policy ? this.trackBy(context, policy) : undefined;
    if (!policy || key === undefined) return next.handle();
    // A subclass with its own trackBy keys differently from the fast path: keep it off.
    const ownKeys = this.trackBy === HttpCacheInterceptor.prototype.trackBy;
    if (ownKeys) this.fastPath.learn(context);

    const maxBytes = this.cache.httpMaxEntryBytes;
    const result: CacheResult<CachedResponse> = await this.cache.wrapWithMeta(policy, key, async (ctx) => {
      const body = JSON.stringify(await lastValueFrom(next.handle(), { defaultValue: null }));
      // A large answer (a whole universe) is cached once as the value behind it, not again per response.
      if (body.length > maxBytes) ctx.skipCache();
      return { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
      // A response is its handler's cached values rendered: it lives as long as they do (Cache-Control says so).
    }, { inheritTtl: true });
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    // This URL's key is known now: its next fresh L1 hits can be answered before Nest runs.
    if (ownKeys) this.fastPath.remember(request, key);
    setCachedResponseHeaders(context.switchToHttp().getResponse<FastifyReply>(), result.value, result, this.cache.now());
    return of(result.value.body);
  }

  /**
   * The cache key of a request: its canonical form (route, normalized parameters, the query
   * fields the handler declares with their defaults), so every spelling shares one entry.
   */
  protected trackBy(context: ExecutionContext, policy: PolicyName): CacheKey | undefined {
    const canonical = this.identity.canonical(context);
    return canonical && CacheKeys.http(policy, canonical.path, canonical.query);
  }

  protected isRequestCacheable(context: ExecutionContext): boolean {
    return context.getType() === 'http' && context.switchToHttp().getRequest<FastifyRequest>().method === 'GET';
  }

  private policyOf(context: ExecutionContext): PolicyName | undefined {
    if (!this.isRequestCacheable(context)) return undefined;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(NO_CACHE_METADATA, targets)) return undefined;
    return this.reflector.getAllAndOverride<PolicyName | undefined>(CACHE_POLICY_METADATA, targets);
  }
}
