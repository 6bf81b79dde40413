import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_MESSAGES } from './error-messages';
import { AppError, type ErrorCode } from './errors';

const STATUS_OF: Record<ErrorCode, number> = {
  SYMBOL_NOT_FOUND: HttpStatus.NOT_FOUND,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  INSUFFICIENT_DATA: HttpStatus.UNPROCESSABLE_ENTITY,
  INVALID_ARGUMENT: HttpStatus.BAD_REQUEST,
  UPSTREAM_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  UPSTREAM_RATE_LIMITED: HttpStatus.SERVICE_UNAVAILABLE,
  UPSTREAM_BAD_RESPONSE: HttpStatus.BAD_GATEWAY,
  CONFIG_INVALID: HttpStatus.INTERNAL_SERVER_ERROR,
  STORE_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  ALERT_LIMIT_REACHED: HttpStatus.TOO_MANY_REQUESTS,
  ALERT_ALREADY_TRIGGERED: HttpStatus.CONFLICT,
  ALERT_NOT_ACTIVE: HttpStatus.CONFLICT,
  ALERT_QUARANTINED: HttpStatus.GONE,
  STREAM_LIMIT_REACHED: HttpStatus.TOO_MANY_REQUESTS,
  OUTCOME_UNKNOWN: HttpStatus.SERVICE_UNAVAILABLE,
  IDEMPOTENCY_KEY_REUSED: HttpStatus.UNPROCESSABLE_ENTITY,
  IDEMPOTENCY_KEY_IN_FLIGHT: HttpStatus.CONFLICT,
};

/** The JSON every error response carries. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  requestId: string;
}

/**
 * The only place errors become HTTP: domain codes map to statuses, HTTP exceptions (validation)
 * keep theirs, Fastify's own 4xx (bad JSON, body too large) keep theirs, and anything else is a
 * generic 500, logged once with the request id, its message never shown to the client.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const body = this.toBody(exception, String(request.id));
    // An HttpException's 5xx is deliberate (e.g. the admin API switched off), not a fault to investigate.
    if (body.statusCode >= 500 && !(exception instanceof AppError) && !(exception instanceof HttpException)) {
      this.logger.error(`Unhandled error on ${request.method} ${request.url.split('?')[0]} [${body.requestId}]`, (exception as Error)?.stack);
    }
    if (body.error === 'UPSTREAM_RATE_LIMITED') reply.header('retry-after', '5');
    // Domain errors that know when to come back (e.g. alert caps: alerts/alerts.errors.ts).
    const retryAfter = (exception as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    if (exception instanceof AppError && typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
    reply.status(body.statusCode).send(body);
  }

  private toBody(exception: unknown, requestId: string): ErrorBody {
    if (exception instanceof AppError) {
      const statusCode = STATUS_OF[exception.code];
      const message =
        exception.code === 'UPSTREAM_UNAVAILABLE'
          ? ERROR_MESSAGES.upstreamUnavailable
          : exception.code === 'UPSTREAM_RATE_LIMITED'
            ? ERROR_MESSAGES.upstreamRateLimited
            : exception.message;
      return { statusCode, error: exception.code, message, requestId };
    }
    if (exception instanceof HttpException) {
      const response = exception.getResponse();
      const message = typeof response === 'string' ? response : ((response as { message?: string | string[] }).message ?? exception.message);
      return { statusCode: exception.getStatus(), error: httpErrorName(exception.getStatus()), message, requestId };
    }
    const status = (exception as { statusCode?: unknown })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return { statusCode: status, error: httpErrorName(status), message: (exception as Error).message, requestId };
    }
    return { statusCode: 500, error: 'INTERNAL', message: ERROR_MESSAGES.internal, requestId };
  }
}

function httpErrorName(status: number): string {
  return (HttpStatus[status] as string | undefined) ?? 'ERROR';
}
