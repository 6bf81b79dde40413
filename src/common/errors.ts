/**
 * Domain errors. Services throw these (never HTTP exceptions) because the warmer and the CLI
 * call services outside HTTP; `AllExceptionsFilter` is the one place a `code` becomes a status.
 */
export type ErrorCode =
  | 'SYMBOL_NOT_FOUND'
  | 'INVALID_ARGUMENT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_RATE_LIMITED'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'CONFIG_INVALID'
  | 'NOT_FOUND'
  | 'INSUFFICIENT_DATA'
  | 'STORE_UNAVAILABLE'
  | 'ALERT_LIMIT_REACHED'
  | 'ALERT_ALREADY_TRIGGERED'
  | 'ALERT_NOT_ACTIVE'
  | 'ALERT_QUARANTINED'
  | 'STREAM_LIMIT_REACHED'
  | 'OUTCOME_UNKNOWN'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'IDEMPOTENCY_KEY_IN_FLIGHT';

/** Base class: a stable machine-readable `code`, a human message and the original `cause`. */
export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The symbol is unknown to the configured market-data provider. */
export class SymbolNotFoundError extends AppError {
  readonly code = 'SYMBOL_NOT_FOUND' as const;
  constructor(readonly symbol: string, options?: { cause?: unknown }) {
    super(`Unknown symbol: ${symbol}`, options);
  }
}

/** A caller passed a value the domain rejects (beyond what DTO validation catches). */
export class InvalidArgumentError extends AppError {
  readonly code = 'INVALID_ARGUMENT' as const;
}

/** A resource other than a symbol was not found. */
export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND' as const;
}

/** The symbol exists but has too little history for the computation asked for (e.g. a model's lookback). */
export class InsufficientDataError extends AppError {
  readonly code = 'INSUFFICIENT_DATA' as const;
}

/** The upstream provider failed (network, 5xx, timeout) and no cached value could stand in. */
export class UpstreamUnavailableError extends AppError {
  readonly code = 'UPSTREAM_UNAVAILABLE' as const;
  constructor(readonly provider: string, message: string, options?: { cause?: unknown }) {
    super(`${provider}: ${message}`, options);
  }
}

/** The upstream provider kept answering 429 after the bounded retries. */
export class UpstreamRateLimitedError extends AppError {
  readonly code = 'UPSTREAM_RATE_LIMITED' as const;
  constructor(readonly provider: string, readonly retryAfterMs?: number, options?: { cause?: unknown }) {
    super(`${provider}: rate limited by upstream`, options);
  }
}

/** The upstream answered, but with a body we cannot parse or trust. */
export class UpstreamBadResponseError extends AppError {
  readonly code = 'UPSTREAM_BAD_RESPONSE' as const;
  constructor(readonly provider: string, message: string, options?: { cause?: unknown }) {
    super(`${provider}: ${message}`, options);
  }
}

/** One or more environment variables are invalid; the message lists every one. */
export class ConfigInvalidError extends AppError {
  readonly code = 'CONFIG_INVALID' as const;
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * A store that must be shared by every replica (price alerts in Redis) cannot be reached, so the
 * request is refused rather than answered from one replica's memory.
 */
export class StoreUnavailableError extends AppError {
  readonly code = 'STORE_UNAVAILABLE' as const;
}

/**
 * The state store did not answer a command within its deadline, or the connection failed after the
 * command was sent: the command may still run (node-redis' Sentinel client holds commands across a
 * failover and runs them later). A read may simply be retried; a write's outcome is unknown.
 */
export class StoreTimeoutError extends StoreUnavailableError {
  readonly outcomeUnknown = true as const;
}

/**
 * A write whose outcome is unknown (a `StoreTimeoutError` during a mutating route): it may or may
 * not have been applied. Retrying with the same `Idempotency-Key` is safe (`src/idempotency/`).
 */
export class OutcomeUnknownError extends AppError {
  readonly code = 'OUTCOME_UNKNOWN' as const;
  readonly retryAfterSeconds = 1;
}

/** An `Idempotency-Key` already used by this caller for a different request (method, path or body). */
export class IdempotencyKeyReusedError extends AppError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED' as const;
}

/** An `Idempotency-Key` whose first request is still running. */
export class IdempotencyKeyInFlightError extends AppError {
  readonly code = 'IDEMPOTENCY_KEY_IN_FLIGHT' as const;
  readonly retryAfterSeconds = 1;
}
