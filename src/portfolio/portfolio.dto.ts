import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsNumber,
  IsOptional,
  IsPositive,
  Matches,
  Max,
  ValidateBy,
  ValidateNested,
  type ValidationArguments,
} from 'class-validator';
import type { PredictionResponse } from '../inference/predictions.dto';
import { SYMBOL_PATTERN } from '../market-data/market-data.dto';
import { SCORE_HORIZONS, type ScoreHorizon } from '../scores/score-model';
import {
  basisProblem,
  MAX_PORTFOLIO_HOLDINGS,
  MAX_QUANTITY,
  MAX_WEIGHT,
  PORTFOLIO_BENCHMARKS,
  PORTFOLIO_LOOKBACKS,
  type PortfolioBenchmark,
  type PortfolioLookback,
} from './portfolio-holdings';
import type { HoldingAnalysis, PortfolioAnalysis, SectorGap, SectorWeight } from './portfolio.types';

/** One position: `quantity` (shares) or `weight` (any positive number; weights are normalized). */
export interface HoldingInput {
  symbol: string;
  quantity?: number;
  weight?: number;
}

export interface PortfolioRequest {
  holdings: HoldingInput[];
  horizon?: ScoreHorizon;
  benchmark?: PortfolioBenchmark;
  lookback?: PortfolioLookback;
}

const finite = { allowNaN: false, allowInfinity: false };

export class HoldingDto implements HoldingInput {
  @ApiProperty({ pattern: SYMBOL_PATTERN.source, example: 'AAPL' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toUpperCase() : value))
  @Matches(SYMBOL_PATTERN, { message: 'symbol must be 1-15 characters: letters, digits and . - ^ =' })
  symbol!: string;

  @ApiPropertyOptional({ description: 'Shares; give either quantity (all holdings) or weight (all holdings).', exclusiveMinimum: true, minimum: 0, maximum: MAX_QUANTITY, example: 50 })
  @IsOptional()
  @IsNumber(finite, { message: 'quantity must be a finite number' })
  @IsPositive({ message: 'quantity must be positive' })
  @Max(MAX_QUANTITY, { message: `quantity must be at most ${MAX_QUANTITY}` })
  quantity?: number;

  @ApiPropertyOptional({ description: 'Any positive number; weights are normalized to sum to 1.', exclusiveMinimum: true, minimum: 0, maximum: MAX_WEIGHT, example: 0.4 })
  @IsOptional()
  @IsNumber(finite, { message: 'weight must be a finite number' })
  @IsPositive({ message: 'weight must be positive' })
  @Max(MAX_WEIGHT, { message: `weight must be at most ${MAX_WEIGHT}` })
  weight?: number;
}

// Exactly one of quantity/weight per holding, and one basis for all: a cross-field rule.
function HasOneBasis(): PropertyDecorator {
  const problemOf = (value: unknown) => (Array.isArray(value) ? basisProblem(value) : null);
  return ValidateBy({
    name: 'hasOneBasis',
    validator: {
      validate: (value: unknown) => problemOf(value) === null,
      defaultMessage: (args?: ValidationArguments) => problemOf(args?.value) ?? 'holdings must have one basis',
    },
  });
}

export class AnalyzePortfolioDto implements PortfolioRequest {
  @ApiProperty({
    type: [HoldingDto],
    minItems: 1,
    maxItems: MAX_PORTFOLIO_HOLDINGS,
    example: [{ symbol: 'AAPL', quantity: 50 }, { symbol: 'MSFT', quantity: 20 }, { symbol: 'JPM', quantity: 40 }],
  })
  @IsArray({ message: 'holdings must be an array of { symbol, quantity } or { symbol, weight }' })
  @ArrayMinSize(1, { message: 'holdings must contain at least one holding' })
  @ArrayMaxSize(MAX_PORTFOLIO_HOLDINGS, { message: `holdings may contain at most ${MAX_PORTFOLIO_HOLDINGS} holdings` })
  @ValidateNested({ each: true })
  @Type(() => HoldingDto)
  @HasOneBasis()
  holdings!: HoldingDto[];

  /** short = 1-3 months, medium = 6-12 months, long = 2-3 years. */
  @ApiPropertyOptional({ enum: SCORE_HORIZONS, default: 'medium', description: 'Score horizon: short = 1-3 months, medium = 6-12 months, long = 2-3 years.', example: 'medium' })
  @IsOptional()
  @IsIn(SCORE_HORIZONS, { message: `horizon must be one of ${SCORE_HORIZONS.join(', ')}` })
  horizon?: ScoreHorizon;

  @ApiPropertyOptional({ enum: PORTFOLIO_BENCHMARKS, default: 'sp500', example: 'sp500' })
  @IsOptional()
  @IsIn(PORTFOLIO_BENCHMARKS, { message: `benchmark must be one of ${PORTFOLIO_BENCHMARKS.join(', ')}` })
  benchmark?: PortfolioBenchmark;

  /** Window of daily returns for the risk figures. @default '1y' */
  @ApiPropertyOptional({ enum: PORTFOLIO_LOOKBACKS, default: '1y', description: 'Window of daily returns for the risk figures.', example: '1y' })
  @IsOptional()
  @IsIn(PORTFOLIO_LOOKBACKS, { message: `lookback must be one of ${PORTFOLIO_LOOKBACKS.join(', ')}` })
  lookback?: PortfolioLookback;
}

// Response schema for OpenAPI; `implements` keeps it in step with what the service returns.

class HoldingAnalysisDto implements HoldingAnalysis {
  @ApiProperty({ example: 'AAPL' }) symbol!: string;
  @ApiProperty({ example: 'Apple Inc.' }) name!: string;
  @ApiProperty({ example: 'Information Technology' }) sector!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'Shares; null for a weight portfolio.', example: 50 }) quantity!: number | null;
  @ApiProperty({ example: 183.38 }) price!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'quantity × price; null for a weight portfolio.', example: 9169 }) value!: number | null;
  @ApiProperty({ description: '0..1; all holdings sum to 1.', example: 0.41 }) weight!: number;
  @ApiProperty({ type: 'object', properties: { composite: { type: 'number', nullable: true }, confidence: { type: 'number' } }, example: { composite: 58.1, confidence: 0.82 } })
  score!: { composite: number | null; confidence: number };
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The ML prediction (see /api/v1/predictions); null when unavailable.' })
  prediction!: PredictionResponse | null;
}

class SectorWeightDto implements SectorWeight {
  @ApiProperty({ example: 'Information Technology' }) sector!: string;
  @ApiProperty({ example: 0.62 }) weight!: number;
}

class SectorGapDto implements SectorGap {
  @ApiProperty({ example: 'Health Care' }) sector!: string;
  @ApiProperty({ example: 0 }) portfolioWeight!: number;
  @ApiProperty({ example: 0.13 }) benchmarkWeight!: number;
  @ApiProperty({ description: 'portfolio − benchmark: negative means under-weight.', example: -0.13 }) gap!: number;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'Best-scored names of an under-weight sector not already held.', example: [{ symbol: 'LLY', name: 'Eli Lilly and Company', composite: 77.2 }] })
  suggestions!: SectorGap['suggestions'];
}

export class PortfolioAnalysisDto implements PortfolioAnalysis {
  @ApiProperty({ enum: ['quantity', 'weight'], example: 'quantity' }) basis!: PortfolioAnalysis['basis'];
  @ApiProperty({ enum: SCORE_HORIZONS, example: 'medium' }) horizon!: ScoreHorizon;
  @ApiProperty({ enum: PORTFOLIO_BENCHMARKS, example: 'sp500' }) benchmark!: PortfolioBenchmark;
  @ApiProperty({ enum: PORTFOLIO_LOOKBACKS, example: '1y' }) lookback!: PortfolioLookback;
  @ApiProperty({ enum: ['USD'], example: 'USD' }) currency!: 'USD';
  @ApiProperty({ type: Number, nullable: true, description: 'Σ quantity × price; null for a weight portfolio.', example: 22410.5 }) totalValue!: number | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Symbol → weight (0..1).', example: { AAPL: 0.41, MSFT: 0.37, JPM: 0.22 } })
  weights!: Record<string, number>;
  @ApiProperty({ type: [HoldingAnalysisDto] }) holdings!: HoldingAnalysisDto[];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Volatility, return, Sharpe, max drawdown, beta vs the market proxy, average correlation (annualized where it applies).',
    example: { from: '2023-05-03', to: '2024-05-03', observations: 251, annualizedVolatility: 0.19, sharpeRatio: 1.1, maxDrawdown: 0.14, beta: 1.05 },
  })
  risk!: PortfolioAnalysis['risk'];
  @ApiProperty({ type: [SectorWeightDto] }) sectorExposure!: SectorWeightDto[];
  @ApiProperty({ enum: ['market-cap', 'equal'], example: 'market-cap' }) benchmarkWeighting!: 'market-cap' | 'equal';
  @ApiProperty({ type: [SectorGapDto] }) sectorGaps!: SectorGapDto[];
  @ApiProperty({ type: 'object', additionalProperties: true, example: { score: 0.58, herfindahl: 0.35, effectiveHoldings: 2.9, averageCorrelation: 0.41 } })
  diversification!: PortfolioAnalysis['diversification'];
  @ApiProperty({ type: [String], description: 'Symbols the provider does not know; left out of every figure.', example: [] }) unknown!: string[];
  @ApiProperty({ type: [String], example: [] }) notes!: string[];
  @ApiProperty({ description: 'Latest quote time among the holdings.', example: '2024-05-03T20:00:00.000Z' }) asOf!: string;
  @ApiProperty({ description: 'When this analysis was computed.', example: '2024-05-03T20:01:12.000Z' }) computedAt!: string;
  @ApiProperty({ description: 'True when this answer came from the portfolio cache.', example: false }) servedFromCache!: boolean;
}
