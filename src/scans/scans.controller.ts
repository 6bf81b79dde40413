import { Body, Controller, HttpCode, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { RequireScope } from '../auth';
import { Readable } from 'node:stream';
import { ApiErrorResponses } from '../openapi/api-responses.decorator';
import { ScanQueryDto, ScanRequestDto, ScanResponseDto, type ScanEvent, type ScanResponse } from './scans.dto';
import { ScansService } from './scans.service';

@ApiTags('scans')
@ApiExtraModels(ScanResponseDto)
@RequireScope('compute')
@Controller('api/v1/scans')
export class ScansController {
  constructor(private readonly scans: ScansService) {}

  /** Ranks a universe; `?stream=true` answers NDJSON (progress, matches as found, then the result). */
  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Rank a universe or a symbol list', description: 'Filters, then ranks by composite score. `?stream=true` answers NDJSON lines instead of one JSON body.' })
  @ApiOkResponse({
    description: 'The ranked result; with `stream=true`, NDJSON lines of type progress, match and result (or error).',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(ScanResponseDto) } },
      'application/x-ndjson': {
        schema: { type: 'string' },
        example: '{"type":"progress","done":100,"total":503,"cacheHits":{"l1":90,"l2":0,"stale":0},"upstreamCalls":10}\n{"type":"result","result":{}}\n',
      },
    },
  })
  @ApiErrorResponses(400, 413, 503)
  scan(@Body() request: ScanRequestDto, @Query() query: ScanQueryDto): Promise<ScanResponse> | StreamableFile {
    if (query.stream !== 'true' && query.stream !== '1') return this.scans.scan(request);
    return new StreamableFile(Readable.from(this.stream(request)), { type: 'application/x-ndjson' });
  }

  private async *stream(request: ScanRequestDto): AsyncGenerator<string> {
    const queue: ScanEvent[] = [];
    let wake: (() => void) | undefined;
    const push = (event: ScanEvent) => {
      queue.push(event);
      wake?.();
    };
    let finished = false;
    let failure: unknown;
    this.scans
      .scan(request, push)
      .then((result) => push({ type: 'result', result }))
      .catch((error: unknown) => (failure = error))
      .finally(() => {
        finished = true;
        wake?.();
      });
    while (!finished || queue.length > 0) {
      if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      while (queue.length > 0) yield `${JSON.stringify(queue.shift())}\n`;
    }
    if (failure) yield `${JSON.stringify({ type: 'error', message: (failure as Error).message })}\n`;
  }
}
