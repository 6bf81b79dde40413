import { UpstreamRateLimitedError } from '../../common/errors';

/**
 * Our own budget, not the vendor, says wait: the same code (`UPSTREAM_RATE_LIMITED`, 503; the cache
 * serves a graced value instead where one exists), with the known wait as `Retry-After`.
 */
export class UpstreamBudgetExhaustedError extends UpstreamRateLimitedError {
  constructor(provider: string, retryAfterMs: number) {
    super(provider, retryAfterMs);
    this.message = `${provider}: upstream rate budget exhausted; next slot in ${retryAfterMs} ms`;
  }

  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.retryAfterMs ?? 1000) / 1000));
  }
}
