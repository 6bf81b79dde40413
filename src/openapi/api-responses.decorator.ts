import { applyDecorators, type Type } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { ErrorBodyDto } from '../common/error-body.dto';

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 422 | 429 | 500 | 502 | 503;

const ERRORS: Record<ErrorStatus, { description: string; error: string; message: string | string[] }> = {
  400: { description: 'Invalid input; `message` lists every bad field.', error: 'BAD_REQUEST', message: ['symbol must be 1-15 characters: letters, digits and . - ^ ='] },
  401: { description: 'Missing or wrong API key.', error: 'UNAUTHORIZED', message: 'A valid API key is required' },
  403: { description: 'Not allowed.', error: 'FORBIDDEN', message: 'Forbidden resource' },
  404: { description: 'Unknown symbol or resource.', error: 'SYMBOL_NOT_FOUND', message: 'Unknown symbol: ZZZZ' },
  409: { description: 'Conflicts with the current state.', error: 'CONFLICT', message: 'Conflict' },
  410: { description: 'Gone.', error: 'GONE', message: 'Gone' },
  413: { description: 'Request body above 1 MiB.', error: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' },
  422: { description: 'Well-formed but not computable (e.g. too little history).', error: 'INSUFFICIENT_DATA', message: 'Not enough bars' },
  429: { description: 'Rate limited.', error: 'TOO_MANY_REQUESTS', message: 'Too many requests' },
  500: { description: 'Unexpected fault; logged with the request id.', error: 'INTERNAL', message: 'Internal error; quote the requestId when reporting it' },
  502: { description: 'The provider answered something unusable.', error: 'UPSTREAM_BAD_RESPONSE', message: 'Upstream answered an unexpected payload' },
  503: {
    description: 'The provider is unavailable or rate limiting and nothing cached can stand in (`Retry-After` when rate limited).',
    error: 'UPSTREAM_UNAVAILABLE',
    message: 'The market-data provider is unavailable and no cached value exists; retry shortly',
  },
};

/** A status whose usual description or example does not fit the route. */
export interface ErrorResponseOverride {
  status: ErrorStatus;
  description?: string;
  error?: string;
  message?: string | string[];
}

/** Documents the error responses a route can give, all with the filter's `ErrorBody` shape. */
export function ApiErrorResponses(...statuses: (ErrorStatus | ErrorResponseOverride)[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((entry) => {
      const { status, ...override } = typeof entry === 'number' ? { status: entry } : entry;
      const { description, error, message } = { ...ERRORS[status], ...override };
      return ApiResponse({ status, type: ErrorBodyDto, description, example: { statusCode: status, error, message, requestId: 'abc-123' } });
    }),
  );
}

const CACHE_HEADERS = {
  'X-Cache': { description: 'Where the answer came from.', schema: { type: 'string', enum: ['HIT-L1', 'HIT-L2', 'MISS', 'STALE'] } },
  Age: { description: 'Seconds since the cached value was computed.', schema: { type: 'integer', example: 12 } },
  'Cache-Control': { description: 'Remaining freshness.', schema: { type: 'string', example: 'max-age=288' } },
  ETag: { description: 'Validator; send it back as `If-None-Match` for a 304.', schema: { type: 'string', example: '"2jmj7l5rSw0yVb_vlWAYkK_YBwk"' } },
};

/** A 200 from a `@CachePolicy` route: the body type plus the cache headers, and the 304 revalidation. */
export function ApiCachedOkResponse(type: Type<unknown>, description: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiHeader({ name: 'If-None-Match', required: false, description: 'An ETag from an earlier answer: 304 when unchanged.' }),
    ApiResponse({ status: 200, type, description, headers: CACHE_HEADERS }),
    ApiResponse({ status: 304, description: 'Not modified: the `If-None-Match` ETag still matches.' }),
  );
}
