import { AppError } from '../common/errors';

/** An error the filter answers with a `Retry-After` header (seconds). */
export interface RetryAfter {
  readonly retryAfterSeconds: number;
}

/**
 * 429 `ALERT_LIMIT_REACHED`: the caller has `ALERTS_MAX_PER_CALLER` active alerts, or the service
 * `ALERTS_MAX_TOTAL`. A slot frees when one of the active alerts fires, expires or is deleted.
 */
export class AlertLimitError extends AppError implements RetryAfter {
  readonly code = 'ALERT_LIMIT_REACHED' as const;
  readonly retryAfterSeconds = 60;
  constructor(
    readonly scope: 'owner' | 'total',
    readonly limit: number,
  ) {
    super(
      scope === 'owner'
        ? `This caller already has ${limit} active alerts (ALERTS_MAX_PER_CALLER); delete one or wait for one to fire or expire`
        : `The service holds its maximum of ${limit} active alerts (ALERTS_MAX_TOTAL); retry later`,
    );
  }
}

/** 409 `ALERT_ALREADY_TRIGGERED`: the condition already holds at registration; the message gives the current price. */
export class AlertAlreadyTriggeredError extends AppError {
  readonly code = 'ALERT_ALREADY_TRIGGERED' as const;
  constructor(
    readonly symbol: string,
    readonly currentPrice: number,
    condition: string,
    threshold: number,
  ) {
    super(`${symbol} is at ${currentPrice}, already ${condition} ${threshold}: the alert would fire at once (currentPrice: ${currentPrice})`);
  }
}

/** 409 `ALERT_NOT_ACTIVE`: the alert already fired, expired or was deleted. */
export class AlertNotActiveError extends AppError {
  readonly code = 'ALERT_NOT_ACTIVE' as const;
}

/** 410 `ALERT_QUARANTINED`: the stored record did not parse; it was set aside and never fires. */
export class AlertQuarantinedError extends AppError {
  readonly code = 'ALERT_QUARANTINED' as const;
  constructor(readonly id: string) {
    super(`Alert ${id}'s stored record could not be read; it was set aside (quarantined) for an operator and will not fire`);
  }
}

/** 429 `STREAM_LIMIT_REACHED`: too many open alert streams for this caller, or on this replica. */
export class StreamLimitError extends AppError implements RetryAfter {
  readonly code = 'STREAM_LIMIT_REACHED' as const;
  readonly retryAfterSeconds = 5;
  constructor(scope: 'caller' | 'total', limit: number) {
    super(
      scope === 'caller'
        ? `This caller already has ${limit} alert streams open on this replica (ALERTS_SSE_MAX_PER_CALLER); close one first`
        : `This replica serves its maximum of ${limit} alert streams (ALERTS_SSE_MAX_STREAMS); retry shortly`,
    );
  }
}
