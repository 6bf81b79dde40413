import { Controller, Get, Param, Query } from '@nestjs/common';
import { CachePolicy } from '../cache';
import { SymbolParams } from '../market-data/market-data.dto';
import { ScoreQueryDto, type ScoreResponse } from './scores.dto';
import { ScoresService } from './scores.service';

@Controller('api/v1/scores')
export class ScoresController {
  constructor(private readonly scores: ScoresService) {}

  @Get(':symbol')
  @CachePolicy('score')
  getScore(@Param() params: SymbolParams, @Query() query: ScoreQueryDto): Promise<ScoreResponse> {
    return this.scores.scoreSymbol(params.symbol, query.horizon);
  }
}
