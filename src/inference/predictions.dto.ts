import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, Matches } from 'class-validator';
import { SYMBOL_PATTERN } from '../market-data/market-data.dto';
import { FEATURE_NAMES, type FeatureName } from './feature-builder';
import { SIGNALS, type Signal } from './model-runtime';

/** Distinct symbols one batch request may name. */
export const MAX_PREDICTION_BATCH = 200;

const SYMBOL_MESSAGE = 'each symbol must be 1-15 characters: letters, digits and . - ^ =';
const SIGNAL_HELP = 'bullish when probabilityUp is in the top third of the training-set predictions, bearish in the bottom third (thresholds in the artifact; docs/MODEL_CARD.md).';

/** Trimmed, upper-cased, first occurrence kept; anything that is not a string is left for the validators to name. */
export function normalizeSymbols(values: readonly unknown[]): unknown[] {
  const seen = new Set<unknown>();
  for (const value of values) seen.add(typeof value === 'string' ? value.trim().toUpperCase() : value);
  return [...seen];
}

export class PredictionQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], default: 'false', description: 'Add the model inputs (raw feature values).' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'explain must be true or false' })
  explain?: 'true' | 'false';
}

export class BatchPredictionsDto {
  @ApiProperty({
    type: [String],
    description: `Tickers, at most ${MAX_PREDICTION_BATCH} distinct ones; duplicates (any case) count once.`,
    example: ['AAPL', 'MSFT', 'NVDA'],
  })
  @Transform(({ value }) => (Array.isArray(value) ? normalizeSymbols(value) : value))
  @IsArray({ message: 'symbols must be an array of tickers' })
  @ArrayMinSize(1, { message: 'symbols must name at least one symbol' })
  @ArrayMaxSize(MAX_PREDICTION_BATCH, { message: `symbols may name at most ${MAX_PREDICTION_BATCH} distinct symbols` })
  @Matches(SYMBOL_PATTERN, { each: true, message: SYMBOL_MESSAGE })
  symbols!: string[];

  @ApiPropertyOptional({ default: false, description: 'Add the model inputs to each prediction.' })
  @IsOptional()
  @IsBoolean({ message: 'explain must be true or false' })
  explain?: boolean;
}

export interface PredictionResponse {
  symbol: string;
  model: { name: string; version: string };
  /** Trading days ahead the probability is about. */
  horizonDays: number;
  /** P(close in `horizonDays` trading days > close at `asOf`), from the model. */
  probabilityUp: number;
  signal: Signal;
  /** Date of the last bar the features read. */
  asOf: string;
  /** The model's inputs, with `explain`. */
  features?: Record<FeatureName, number>;
}

export interface BatchPredictionsResponse {
  /** In request order, duplicates merged. */
  predictions: PredictionResponse[];
  /** Symbols the market-data provider does not know. */
  unknown: string[];
  /** Known symbols with less history than the model's lookback. */
  insufficientHistory: string[];
  /** Answers read from the cache vs computed for this request. */
  stats: { cached: number; computed: number };
}

// Response schemas for OpenAPI; `implements` keeps them in step with the types the service returns.

class ModelRefDto {
  @ApiProperty({ example: 'momentum-v1' }) name!: string;
  @ApiProperty({ example: '1.0.0' }) version!: string;
}

export class PredictionResponseDto implements PredictionResponse {
  @ApiProperty({ example: 'AAPL' }) symbol!: string;
  @ApiProperty({ type: ModelRefDto }) model!: ModelRefDto;
  @ApiProperty({ description: 'Trading days ahead the probability is about.', example: 20 }) horizonDays!: number;
  @ApiProperty({ description: 'P(close after horizonDays trading days > close at asOf).', minimum: 0, maximum: 1, example: 0.5731 })
  probabilityUp!: number;
  @ApiProperty({ enum: SIGNALS, description: SIGNAL_HELP, example: 'bullish' }) signal!: Signal;
  @ApiProperty({ description: 'Date of the last daily bar the features read.', example: '2018-02-07' }) asOf!: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: `With explain: the raw inputs (${FEATURE_NAMES.join(', ')}).`,
    example: { ret5: -0.031, ret21: 0.012, rsi14: 47.2 },
  })
  features?: Record<FeatureName, number>;
}

class BatchStatsDto {
  @ApiProperty({ description: 'Answers read from the cache (one MGET).', example: 2 }) cached!: number;
  @ApiProperty({ description: 'Answers computed for this request.', example: 1 }) computed!: number;
}

export class BatchPredictionsResponseDto implements BatchPredictionsResponse {
  @ApiProperty({ type: [PredictionResponseDto], description: 'In request order, duplicates merged.' }) predictions!: PredictionResponseDto[];
  @ApiProperty({ type: [String], description: 'Symbols the provider does not know.', example: ['ZZZZ'] }) unknown!: string[];
  @ApiProperty({ type: [String], description: 'Known symbols with less history than the model needs (252 daily bars).', example: [] })
  insufficientHistory!: string[];
  @ApiProperty({ type: BatchStatsDto }) stats!: BatchStatsDto;
}
