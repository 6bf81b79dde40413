import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminRoute } from '../admin/admin-route.decorator';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { ApiErrorResponses } from '../openapi/api-responses.decorator';
import { CacheWarmerService } from './cache-warmer.service';
import { StartWarmupDto, WarmupIdParams, WarmupProgressDto, WarmupStartedDto } from './warmup.dto';
import type { WarmupProgress } from './warmup-run';

const BASE = 'api/v1/admin/cache/warmup';

@ApiTags('admin')
@Controller(BASE)
@AdminRoute()
export class WarmupController {
  constructor(private readonly warmer: CacheWarmerService) {}

  @Post()
  @Idempotent()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Start a cache warmup (or join the one running) and return its id' })
  @ApiAcceptedResponse({ type: WarmupStartedDto })
  @ApiErrorResponses(400, 401, 429)
  start(@Body() body: StartWarmupDto): WarmupStartedDto {
    const { run, joined } = this.warmer.start(body, 'api');
    return { id: run.id, joined, status: run.status, progress: `/${BASE}/${run.id}` };
  }

  @Get()
  @ApiOperation({ summary: 'The last warmups of this replica, newest first' })
  @ApiOkResponse({ type: [WarmupProgressDto] })
  @ApiErrorResponses(401, 429)
  list(): WarmupProgress[] {
    return this.warmer.history();
  }

  @Get(':id')
  @ApiOperation({ summary: 'Progress of a warmup: done/total, rate, ETA, failures' })
  @ApiOkResponse({ type: WarmupProgressDto })
  @ApiErrorResponses(400, 401, 404, 429)
  progress(@Param() params: WarmupIdParams): WarmupProgress {
    return this.warmer.progress(params.id);
  }
}
