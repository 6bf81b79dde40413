import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, Matches } from 'class-validator';
import type { BarInterval, HistoryPeriod, Quote } from './market-data.types';

export const BAR_INTERVALS: readonly BarInterval[] = ['1d', '1wk'];
export const HISTORY_PERIODS: readonly HistoryPeriod[] = ['1mo', '3mo', '6mo', '1y', '2y', '5y', 'max'];

/** Tickers: letters, digits, `.`/`-` share classes, `^` indices, `=` FX; at most 15 characters. */
export const SYMBOL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.\-^=]{0,14}$/;
const SYMBOL_MESSAGE = 'symbol must be 1-15 characters: letters, digits and . - ^ =';
export const MAX_BATCH_SYMBOLS = 100;

export class SymbolParams {
  @Matches(SYMBOL_PATTERN, { message: SYMBOL_MESSAGE })
  symbol!: string;
}

export class BatchPricesQuery {
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
  @IsOptional()
  @IsIn(BAR_INTERVALS, { message: `interval must be one of ${BAR_INTERVALS.join(', ')}` })
  interval: BarInterval = '1d';

  @IsOptional()
  @IsIn(HISTORY_PERIODS, { message: `period must be one of ${HISTORY_PERIODS.join(', ')}` })
  period: HistoryPeriod = '1y';
}

export class TickersQueryDto {
  /** `all`, `sp500`, or a GICS sector in kebab-case (e.g. `information-technology`). */
  @IsOptional()
  @Matches(/^[a-z0-9-]{1,40}$/, { message: 'market must be 1-40 characters of a-z, 0-9 and -' })
  market: string = 'all';
}
