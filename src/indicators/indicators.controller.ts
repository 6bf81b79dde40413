import { Controller, Get, Param, Query } from '@nestjs/common';
import { CachePolicy } from '../cache';
import { SymbolParams } from '../market-data/market-data.dto';
import { IndicatorsQueryDto, type IndicatorsResponse } from './indicators.dto';
import { IndicatorsService } from './indicators.service';

@Controller('api/v1/indicators')
export class IndicatorsController {
  constructor(private readonly indicators: IndicatorsService) {}

  @Get(':symbol')
  @CachePolicy('indicators')
  getIndicators(@Param() params: SymbolParams, @Query() query: IndicatorsQueryDto): Promise<IndicatorsResponse> {
    return this.indicators.getIndicators(params.symbol, query);
  }
}
