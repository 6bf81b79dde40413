import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { SCORE_HORIZONS, SCORE_MODEL, type ScoreComponents, type ScoreHorizon, type ScoreResult } from './score-model';

export class ScoreQueryDto {
  /** short = 1-3 months, medium = 6-12 months, long = 2-3 years. */
  @ApiPropertyOptional({ enum: SCORE_HORIZONS, default: 'medium', description: 'short = 1-3 months, medium = 6-12 months, long = 2-3 years.', example: 'medium' })
  @IsOptional()
  @IsIn(SCORE_HORIZONS, { message: `horizon must be one of ${SCORE_HORIZONS.join(', ')}` })
  horizon: ScoreHorizon = 'medium';
}

export interface ScoreResponse extends ScoreResult {
  symbol: string;
  horizon: ScoreHorizon;
}

class ScoreWeightsDto {
  @ApiProperty({ example: 0.6 }) momentum!: number;
  @ApiProperty({ example: 0.4 }) value!: number;
}

export class ScoreResponseDto implements ScoreResponse {
  @ApiProperty({ example: 'AAPL' }) symbol!: string;
  @ApiProperty({ enum: SCORE_HORIZONS, example: 'medium' }) horizon!: ScoreHorizon;
  @ApiProperty({ type: Number, nullable: true, description: '0..100; null when no momentum input has enough bars.', example: 64.3 })
  momentum!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: '0..100, value-like from prices only (no fundamentals).', example: 48.9 })
  value!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: '0..100, momentum and value blended by `weights`.', example: 58.1 })
  composite!: number | null;
  @ApiProperty({ description: '0..1: share of the needed bars that exist, times a volatility discount.', example: 0.82 })
  confidence!: number;
  @ApiProperty({ description: 'Bars used.', example: 504 }) dataPoints!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Date of the last bar.', example: '2024-05-03' }) asOf!: string | null;
  @ApiProperty({ type: ScoreWeightsDto }) weights!: ScoreWeightsDto;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The inputs behind the scores: momentum windows, trend vs SMA, 52-week range position, long-term average, volatility (z-scores).',
    example: { lastClose: 183.38, annualizedVolatility: 0.24, lowVolatilityZ: 0.1 },
  })
  components!: ScoreComponents;
  @ApiProperty({ enum: [SCORE_MODEL], example: SCORE_MODEL }) model!: typeof SCORE_MODEL;
}
