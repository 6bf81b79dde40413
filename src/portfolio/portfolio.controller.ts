import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth';
import { ApiErrorResponses } from '../openapi/api-responses.decorator';
import { AnalyzePortfolioDto, PortfolioAnalysisDto } from './portfolio.dto';
import { PortfolioService } from './portfolio.service';
import type { PortfolioAnalysis } from './portfolio.types';

@ApiTags('portfolio')
@RequireScope('compute')
@Controller('api/v1/portfolio')
export class PortfolioController {
  constructor(private readonly portfolio: PortfolioService) {}

  /** Value, weights, risk, scores, predictions, sector exposure and gaps of a set of holdings. */
  @Post('analyze')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Analyze a set of holdings',
    description: 'Value, weights, risk (volatility, Sharpe, drawdown, beta), scores, predictions, sector exposure vs the benchmark and the gaps, with suggestions.',
  })
  @ApiOkResponse({ type: PortfolioAnalysisDto })
  @ApiErrorResponses(400, { status: 404, description: 'No holding is a known symbol (unknown ones alone are listed in `unknown`).', error: 'NOT_FOUND', message: 'None of the holdings is a known symbol: ZZZZ' }, 413, 502, 503)
  analyze(@Body() request: AnalyzePortfolioDto): Promise<PortfolioAnalysis> {
    return this.portfolio.analyze(request);
  }
}
