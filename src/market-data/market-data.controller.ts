import { Controller, Get, Param, Query } from '@nestjs/common';
import { CachePolicy } from '../cache';
import { BatchPricesQuery, SymbolParams, type BatchPricesResponse } from './market-data.dto';
import type { Quote } from './market-data.types';
import { MarketDataService } from './market-data.service';

@Controller('api/v1/market')
export class MarketDataController {
  constructor(private readonly marketData: MarketDataService) {}

  @Get('prices')
  getPrices(@Query() query: BatchPricesQuery): Promise<BatchPricesResponse> {
    return this.marketData.getPrices(query.symbols);
  }

  @Get('prices/:symbol')
  @CachePolicy('price')
  getPrice(@Param() params: SymbolParams): Promise<Quote> {
    return this.marketData.getPrice(params.symbol);
  }
}
