import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, Matches } from 'class-validator';
import type { Bar, BarInterval, HistoryPeriod, Quote, SymbolInfo } from './market-data.types';

export const BAR_INTERVALS: readonly BarInterval[] = ['1d', '1wk'];
export const HISTORY_PERIODS: readonly HistoryPeriod[] = ['1mo', '3mo', '6mo', '1y', '2y', '5y', 'max'];

/** Tickers: letters, digits, `.`/`-` share classes, `^` indices, `=` FX; at most 15 characters. */
export const SYMBOL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.\-^=]{0,14}$/;
const SYMBOL_MESSAGE = 'symbol must be 1-15 characters: letters, digits and . - ^ =';
export const MAX_BATCH_SYMBOLS = 100;

export class SymbolParams {
  @ApiProperty({ description: 'Ticker (case-insensitive).', pattern: SYMBOL_PATTERN.source, example: 'AAPL' })
  @Matches(SYMBOL_PATTERN, { message: SYMBOL_MESSAGE })
  symbol!: string;
}

export class BatchPricesQuery {
  @ApiProperty({ type: String, description: `Comma-separated tickers, at most ${MAX_BATCH_SYMBOLS}.`, example: 'AAPL,MSFT,NVDA' })
  @Transform(({ value }) =>
    typeof value === 'string' ? [...new Set(value.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean))] : value,
  )
  @IsArray({ message: 'symbols must be a comma-separated list' })
  @ArrayMinSize(1, { message: 'symbols must name at least one symbol' })
  @ArrayMaxSize(MAX_BATCH_SYMBOLS, { message: `symbols may name at most ${MAX_BATCH_SYMBOLS} symbols` })
  @Matches(SYMBOL_PATTERN, { each: true, message: SYMBOL_MESSAGE })
  symbols!: string[];
}

/** Batch answer: unknown symbols are listed apart instead of failing the batch. */
export interface BatchPricesResponse {
  prices: Quote[];
  unknown: string[];
}

export class HistoryQueryDto {
  @ApiPropertyOptional({ enum: BAR_INTERVALS, default: '1d', example: '1d' })
  @IsOptional()
  @IsIn(BAR_INTERVALS, { message: `interval must be one of ${BAR_INTERVALS.join(', ')}` })
  interval: BarInterval = '1d';

  @ApiPropertyOptional({ enum: HISTORY_PERIODS, default: '1y', example: '1y' })
  @IsOptional()
  @IsIn(HISTORY_PERIODS, { message: `period must be one of ${HISTORY_PERIODS.join(', ')}` })
  period: HistoryPeriod = '1y';
}

export class TickersQueryDto {
  /** `all`, `sp500`, or a GICS sector in kebab-case (e.g. `information-technology`). */
  @ApiPropertyOptional({ description: '`all`, `sp500`, or a GICS sector in kebab-case.', default: 'all', example: 'information-technology' })
  @IsOptional()
  @Matches(/^[a-z0-9-]{1,40}$/, { message: 'market must be 1-40 characters of a-z, 0-9 and -' })
  market: string = 'all';
}

// Response schemas for OpenAPI; `implements` keeps them in step with the types the service returns.

export class QuoteDto implements Quote {
  @ApiProperty({ example: 'AAPL' }) symbol!: string;
  @ApiProperty({ example: 189.84 }) price!: number;
  @ApiProperty({ example: 187.15 }) previousClose!: number;
  @ApiProperty({ example: 2.69 }) change!: number;
  @ApiProperty({ example: 1.4373 }) changePercent!: number;
  @ApiProperty({ example: 53_665_100 }) volume!: number;
  @ApiProperty({ description: 'ISO timestamp of the price.', example: '2024-05-03T20:00:00.000Z' }) asOf!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
}

export class BatchPricesResponseDto implements BatchPricesResponse {
  @ApiProperty({ type: [QuoteDto] }) prices!: QuoteDto[];
  @ApiProperty({ type: [String], description: 'Requested symbols the provider does not know.', example: ['ZZZZ'] }) unknown!: string[];
}

export class BarDto implements Bar {
  @ApiProperty({ description: 'Trading day (or week start), YYYY-MM-DD.', example: '2024-05-03' }) date!: string;
  @ApiProperty({ type: Number, nullable: true, example: 186.65 }) open!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 187 }) high!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 182.66 }) low!: number | null;
  @ApiProperty({ example: 183.38 }) close!: number;
  @ApiProperty({ example: 163_224_100 }) volume!: number;
}

export class HistoryResponseDto {
  @ApiProperty({ example: 'AAPL' }) symbol!: string;
  @ApiProperty({ enum: BAR_INTERVALS, example: '1d' }) interval!: string;
  @ApiProperty({ enum: HISTORY_PERIODS, example: '1y' }) period!: string;
  @ApiProperty({ type: [BarDto], description: 'Oldest first.' }) bars!: BarDto[];
}

export class SymbolInfoDto implements SymbolInfo {
  @ApiProperty({ example: 'AAPL' }) symbol!: string;
  @ApiProperty({ example: 'Apple Inc.' }) name!: string;
  @ApiProperty({ example: 'Information Technology' }) sector!: string;
  @ApiProperty({ example: 'Technology Hardware, Storage & Peripherals' }) industry!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'USD; null when the provider does not know it.', example: 2_950_000_000_000 })
  marketCap!: number | null;
  @ApiProperty({ example: 'NASDAQ' }) exchange!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
}

export class TickersResponseDto {
  @ApiProperty({ example: 'sp500' }) market!: string;
  @ApiProperty({ example: 503 }) count!: number;
  @ApiProperty({ type: [SymbolInfoDto] }) symbols!: SymbolInfoDto[];
}
