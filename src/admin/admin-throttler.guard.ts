import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';

/**
 * The admin rate limit. A named throttler only sends `Retry-After-admin`, which no HTTP client
 * (our warmup CLI included) reads: this adds the standard `Retry-After` and says which limit.
 */
@Injectable()
export class AdminThrottlerGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const seconds = Math.max(1, detail.timeToBlockExpire);
    context.switchToHttp().getResponse<FastifyReply>().header('retry-after', String(seconds));
    throw new ThrottlerException(
      `Too many admin requests: at most ${detail.limit} per minute per client, failed ones included (ADMIN_RATE_LIMIT_PER_MINUTE); retry after ${seconds} s`,
    );
  }
}
