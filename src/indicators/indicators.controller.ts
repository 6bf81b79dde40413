import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth';
import { CachePolicy } from '../cache';
import { SymbolParams } from '../market-data/market-data.dto';
import { ApiCachedOkResponse, ApiErrorResponses } from '../openapi/api-responses.decorator';
import { IndicatorsQueryDto, IndicatorsResponseDto, type IndicatorsResponse } from './indicators.dto';
import { IndicatorsService } from './indicators.service';

@ApiTags('indicators')
@RequireScope('read')
@Controller('api/v1/indicators')
export class IndicatorsController {
  constructor(private readonly indicators: IndicatorsService) {}

  @Get(':symbol')
  @CachePolicy('indicators')
  @ApiOperation({ summary: 'Technical indicators of one symbol', description: 'Latest values (RSI, SMA, EMA, MACD, Bollinger bands, ATR), optionally a series.' })
  @ApiCachedOkResponse(IndicatorsResponseDto, 'Indicator values (cached under the `indicators` policy).')
  @ApiErrorResponses(400, 404, 502, 503)
  getIndicators(@Param() params: SymbolParams, @Query() query: IndicatorsQueryDto): Promise<IndicatorsResponse> {
    return this.indicators.getIndicators(params.symbol, query);
  }
}
