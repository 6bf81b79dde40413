import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth';
import { CachePolicy } from '../cache';
import { ApiCachedOkResponse, ApiErrorResponses } from '../openapi/api-responses.decorator';
import {
  BatchPricesQuery,
  BatchPricesResponseDto,
  HistoryQueryDto,
  HistoryResponseDto,
  QuoteDto,
  SymbolInfoDto,
  SymbolParams,
  TickersQueryDto,
  TickersResponseDto,
  type BatchPricesResponse,
} from './market-data.dto';
import type { Bar, Quote, SymbolInfo } from './market-data.types';
import { MarketDataService } from './market-data.service';

@ApiTags('market-data')
@Controller('api/v1/market')
export class MarketDataController {
  constructor(private readonly marketData: MarketDataService) {}

  @RequireScope('compute')
  @Get('prices')
  @ApiOperation({ summary: 'Latest quotes for many symbols', description: 'Each quote is cached on its own; unknown symbols are listed apart.' })
  @ApiOkResponse({ type: BatchPricesResponseDto })
  @ApiErrorResponses(400, 503)
  getPrices(@Query() query: BatchPricesQuery): Promise<BatchPricesResponse> {
    return this.marketData.getPrices(query.symbols);
  }

  @RequireScope('read')
  @Get('prices/:symbol')
  @CachePolicy('price')
  @ApiOperation({ summary: 'Latest quote of one symbol' })
  @ApiCachedOkResponse(QuoteDto, 'The latest quote (cached under the `price` policy).')
  @ApiErrorResponses(400, 404, 502, 503)
  getPrice(@Param() params: SymbolParams): Promise<Quote> {
    return this.marketData.getPrice(params.symbol);
  }

  @RequireScope('read')
  @Get('history/:symbol')
  @CachePolicy('history')
  @ApiOperation({ summary: 'OHLCV bars of one symbol' })
  @ApiCachedOkResponse(HistoryResponseDto, 'Bars for the interval and period (cached under the `history` policy).')
  @ApiErrorResponses(400, 404, 502, 503)
  async getHistory(@Param() params: SymbolParams, @Query() query: HistoryQueryDto): Promise<{ symbol: string; interval: string; period: string; bars: Bar[] }> {
    const bars = await this.marketData.getHistory(params.symbol, query);
    return { symbol: params.symbol.toUpperCase(), interval: query.interval, period: query.period, bars };
  }

  @RequireScope('read')
  @Get('info/:symbol')
  @CachePolicy('info')
  @ApiOperation({ summary: 'Company information: name, sector, industry, market cap' })
  @ApiCachedOkResponse(SymbolInfoDto, 'Company information (cached under the `info` policy).')
  @ApiErrorResponses(400, 404, 502, 503)
  getInfo(@Param() params: SymbolParams): Promise<SymbolInfo> {
    return this.marketData.getInfo(params.symbol);
  }

  @RequireScope('read')
  @Get('tickers')
  @CachePolicy('tickers')
  @ApiOperation({ summary: 'Symbols of a universe (all, sp500 or a sector)' })
  @ApiCachedOkResponse(TickersResponseDto, 'The universe (cached under the `tickers` policy).')
  @ApiErrorResponses(400, 502, 503)
  async getTickers(@Query() query: TickersQueryDto): Promise<{ market: string; count: number; symbols: SymbolInfo[] }> {
    const symbols = await this.marketData.listSymbols(query.market);
    return { market: query.market, count: symbols.length, symbols };
  }
}
