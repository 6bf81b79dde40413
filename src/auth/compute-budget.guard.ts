import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { COMPUTE_THROTTLER } from './auth.constants';
import { callerOf } from './caller';

/**
 * The per-caller budget of the `compute` routes (`CALLER_COMPUTE_PER_MINUTE`), keyed by caller
 * name (all anonymous callers share `anonymous`), in this replica's memory: with N replicas a
 * caller gets up to N times the budget. Called by `ScopeGuard` once the scopes passed, so refused
 * requests do not spend it. 429 with `Retry-After` and a message naming the budget.
 */
@Injectable()
export class ComputeBudgetGuard extends ThrottlerGuard {
  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    this.throttlers = this.throttlers.filter((t) => t.name === COMPUTE_THROTTLER);
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    return Promise.resolve(`caller:${callerOf(request as unknown as FastifyRequest).name}`);
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const seconds = Math.max(1, detail.timeToBlockExpire);
    const caller = callerOf(context.switchToHttp().getRequest<FastifyRequest>()).name;
    context.switchToHttp().getResponse<FastifyReply>().header('retry-after', String(seconds));
    throw new ThrottlerException(
      `Compute budget used: caller "${caller}" may make at most ${detail.limit} requests per minute to the compute routes (scans, portfolio, batch predictions, batch prices; CALLER_COMPUTE_PER_MINUTE); retry after ${seconds} s`,
    );
  }
}
