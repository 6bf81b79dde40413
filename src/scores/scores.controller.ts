import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth';
import { CachePolicy } from '../cache';
import { SymbolParams } from '../market-data/market-data.dto';
import { ApiCachedOkResponse, ApiErrorResponses } from '../openapi/api-responses.decorator';
import { ScoreQueryDto, ScoreResponseDto, type ScoreResponse } from './scores.dto';
import { ScoresService } from './scores.service';

@ApiTags('scores')
@RequireScope('read')
@Controller('api/v1/scores')
export class ScoresController {
  constructor(private readonly scores: ScoresService) {}

  @Get(':symbol')
  @CachePolicy('score')
  @ApiOperation({ summary: 'Momentum, value-like and composite score of one symbol', description: 'Price-based heuristic model; too little history gives low confidence and nulls, not an error.' })
  @ApiCachedOkResponse(ScoreResponseDto, 'Scores for the horizon (cached under the `score` policy).')
  @ApiErrorResponses(400, 404, 502, 503)
  getScore(@Param() params: SymbolParams, @Query() query: ScoreQueryDto): Promise<ScoreResponse> {
    return this.scores.scoreSymbol(params.symbol, query.horizon);
  }
}
