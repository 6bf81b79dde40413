import { Body, Controller, HttpCode, Post, Query, StreamableFile } from '@nestjs/common';
import { Readable } from 'node:stream';
import { ScanQueryDto, ScanRequestDto, type ScanEvent, type ScanResponse } from './scans.dto';
import { ScansService } from './scans.service';

@Controller('api/v1/scans')
export class ScansController {
  constructor(private readonly scans: ScansService) {}

  /** Ranks a universe; `?stream=true` answers NDJSON (progress, matches as found, then the result). */
  @Post()
  @HttpCode(200)
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
