import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { concatMap, type Observable } from 'rxjs';
import { INVALIDATE_CACHE_METADATA } from './cache.constants';
import { CacheService } from './cache.service';
import type { InvalidateCacheSpec } from './decorators/invalidate-cache.decorator';

/** Runs the invalidations `@InvalidateCache` declares, only after the handler succeeded. */
@Injectable()
export class CacheInvalidationInterceptor implements NestInterceptor {
  constructor(
    private readonly cache: CacheService,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<InvalidateCacheSpec | undefined>(INVALIDATE_CACHE_METADATA, context.getHandler());
    const req = context.switchToHttp().getRequest<{ params: Record<string, string>; body: unknown }>();
    const resolve = (item: string | ((r: typeof req) => string)) => (typeof item === 'function' ? item(req) : item);
    return next.handle().pipe(
      concatMap(async (result) => {
        if (spec) {
          await Promise.all([
            ...(spec.tags ?? []).map((t) => this.cache.invalidateTag(resolve(t))),
            ...(spec.patterns ?? []).map((p) => this.cache.deleteByPattern(resolve(p))),
          ]);
        }
        return result;
      }),
    );
  }
}
