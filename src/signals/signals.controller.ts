import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth';
import { NoCache } from '../cache';
import { ApiErrorResponses } from '../openapi/api-responses.decorator';
import { ScreeningDateParams, ScreeningDto, type Screening } from './signals.dto';
import { SignalsService } from './signals.service';

// Not HTTP-cached: the service reads the stored value itself, so a scheduled recompute shows at once on every replica.
@ApiTags('signals')
@RequireScope('read')
@Controller('api/v1')
@NoCache()
export class SignalsController {
  constructor(private readonly signals: SignalsService) {}

  @Get('signals/active')
  @ApiOperation({
    summary: 'Symbols whose latest scan crossed a configured threshold',
    description: 'Each with its reasons; `asOf` says when they were computed. Refreshed by a schedule (`SIGNALS_REFRESH_INTERVAL_MS`), stored under the `signals` policy (1 h).',
  })
  @ApiOkResponse({ type: ScreeningDto })
  @ApiErrorResponses(503)
  active(): Promise<Screening> {
    return this.signals.active();
  }

  @Get('screening/:date')
  @ApiOperation({ summary: "A day's stored screening result", description: 'Stored under the `screening` policy (24 h) by every computation of the signals.' })
  @ApiOkResponse({ type: ScreeningDto })
  @ApiErrorResponses(400, { status: 404, description: 'No screening stored for that day.', error: 'NOT_FOUND', message: 'No screening stored for 2024-05-03: screenings are kept 24 h after the day\'s last run' })
  screening(@Param() params: ScreeningDateParams): Promise<Screening> {
    return this.signals.screening(params.date);
  }
}
