import { HttpStatus } from '@nestjs/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { REQUEST_ID_HEADER } from '../logging/request-id';
import type { ErrorBody } from './all-exceptions.filter';
import { ERROR_MESSAGES } from './error-messages';

// Fastify's own texts echo the whole (possibly huge or binary) path back.
const MESSAGES: Record<string, string> = {
  FST_ERR_BAD_URL: 'The URL is not valid: every %-escape must encode UTF-8 (e.g. %C3%A9; never a lone % or %ED%A0%80)',
  FST_ERR_MAX_PARAM_LENGTH: 'A path parameter is too long (at most 200 characters)',
};

/**
 * Fastify's `frameworkErrors`: the router refuses some URLs before any route, hook or Nest filter
 * runs, and by default answers in its own shape without a request id. This sends `ErrorBody`.
 */
export function sendFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const statusCode = error.statusCode ?? HttpStatus.INTERNAL_SERVER_ERROR;
  const body: ErrorBody = {
    statusCode,
    error: (HttpStatus[statusCode] as string | undefined) ?? 'ERROR',
    message: MESSAGES[error.code] ?? (statusCode < 500 ? error.message : ERROR_MESSAGES.internal),
    requestId: String(request.id),
  };
  void reply.code(statusCode).header(REQUEST_ID_HEADER, request.id).send(body);
}
