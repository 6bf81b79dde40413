import { Controller, Get, Param, Query } from '@nestjs/common';
import { CachePolicy } from '../cache';
import { BatchPricesQuery, HistoryQueryDto, SymbolParams, TickersQueryDto, type BatchPricesResponse } from './market-data.dto';
import type { Bar, Quote, SymbolInfo } from './market-data.types';
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

  @Get('history/:symbol')
  @CachePolicy('history')
  async getHistory(@Param() params: SymbolParams, @Query() query: HistoryQueryDto): Promise<{ symbol: string; interval: string; period: string; bars: Bar[] }> {
    const bars = await this.marketData.getHistory(params.symbol, query);
    return { symbol: params.symbol.toUpperCase(), interval: query.interval, period: query.period, bars };
  }

  @Get('info/:symbol')
  @CachePolicy('info')
  getInfo(@Param() params: SymbolParams): Promise<SymbolInfo> {
    return this.marketData.getInfo(params.symbol);
  }

  @Get('tickers')
  @CachePolicy('tickers')
  async getTickers(@Query() query: TickersQueryDto): Promise<{ market: string; count: number; symbols: SymbolInfo[] }> {
    const symbols = await this.marketData.listSymbols(query.market);
    return { market: query.market, count: symbols.length, symbols };
  }
}
