import { IsIn, IsOptional } from 'class-validator';
import { SCORE_HORIZONS, type ScoreHorizon, type ScoreResult } from './score-model';

export class ScoreQueryDto {
  /** short = 1-3 months, medium = 6-12 months, long = 2-3 years. */
  @IsOptional()
  @IsIn(SCORE_HORIZONS, { message: `horizon must be one of ${SCORE_HORIZONS.join(', ')}` })
  horizon: ScoreHorizon = 'medium';
}

export interface ScoreResponse extends ScoreResult {
  symbol: string;
  horizon: ScoreHorizon;
}
