import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ApiErrorResponses } from '../openapi/api-responses.decorator';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/**
 * A write that accepts `Idempotency-Key` (see `IdempotencyInterceptor`). The route's module imports
 * `IdempotencyModule`. Documents the header and the 422 it adds.
 */
export function Idempotent(): MethodDecorator {
  return applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Optional, 1-128 characters of letters, digits and `- _ . : ~`. A repeat by the same caller with the same key and request gets the first (2xx) ' +
        'answer again, with `Idempotent-Replayed: true`, kept 24 h; a failed first request frees the key. The same key with another request is a 422 ' +
        '`IDEMPOTENCY_KEY_REUSED`; a repeat while the first runs a 409 `IDEMPOTENCY_KEY_IN_FLIGHT`. After a 503 `OUTCOME_UNKNOWN` retry with the same key.',
    }),
    ApiErrorResponses({
      status: 422,
      description: 'The Idempotency-Key was already used by this caller for a different request.',
      error: 'IDEMPOTENCY_KEY_REUSED',
      message: 'This Idempotency-Key was already used by this caller for a different request (method, path or body); use a new key',
    }),
  );
}
