import { ApiProperty } from '@nestjs/swagger';
import type { ErrorBody } from './all-exceptions.filter';

/** OpenAPI schema of the body `AllExceptionsFilter` sends for every error. */
export class ErrorBodyDto implements ErrorBody {
  @ApiProperty({ example: 404 })
  statusCode!: number;

  @ApiProperty({ description: 'A stable domain code (e.g. SYMBOL_NOT_FOUND) or the HTTP status name.', example: 'SYMBOL_NOT_FOUND' })
  error!: string;

  @ApiProperty({
    description: 'Human-readable text; a list of field messages for validation errors.',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'Unknown symbol: ZZZZ',
  })
  message!: string | string[];

  @ApiProperty({ description: 'The request id, also in the `x-request-id` response header; quote it when reporting.', example: 'abc-123' })
  requestId!: string;
}
