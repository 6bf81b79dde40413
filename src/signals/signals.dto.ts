import { ApiProperty } from '@nestjs/swagger';
import { IsISO8601, Matches } from 'class-validator';
import { SCORE_HORIZONS, type ScoreHorizon } from '../scores/score-model';
import { SIGNAL_KINDS, type ActiveSignal, type SignalKind, type SignalThresholds } from './signal-rules';

/** One computation of the signals: what was screened, with which thresholds, and what crossed them. */
export interface Screening {
  /** UTC day of the scan, `YYYY-MM-DD`. */
  date: string;
  /** When the signals were computed (ISO time). */
  asOf: string;
  universe: string;
  horizon: ScoreHorizon;
  thresholds: SignalThresholds;
  /** Symbols screened. */
  scanned: number;
  signals: ActiveSignal[];
}

export class ScreeningDateParams {
  @ApiProperty({ description: 'UTC day, `YYYY-MM-DD`.', pattern: '^\\d{4}-\\d{2}-\\d{2}$', example: '2024-05-03' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'date must be a day as YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'date must be a real calendar day' })
  date!: string;
}

class SignalThresholdsDto implements SignalThresholds {
  @ApiProperty({ example: 80 }) compositeHigh!: number;
  @ApiProperty({ example: 20 }) compositeLow!: number;
  @ApiProperty({ example: 90 }) momentumHigh!: number;
  @ApiProperty({ description: '0..1', example: 0.5 }) minConfidence!: number;
}

export class ActiveSignalDto implements ActiveSignal {
  @ApiProperty({ example: 'NVDA' }) symbol!: string;
  @ApiProperty({ example: 'NVIDIA Corporation' }) name!: string;
  @ApiProperty({ example: 'Information Technology' }) sector!: string;
  @ApiProperty({ enum: SIGNAL_KINDS, isArray: true, example: ['strong', 'momentum'] }) kinds!: SignalKind[];
  @ApiProperty({ type: [String], description: 'One line per threshold crossed.', example: ['composite 91.4 >= 80', 'momentum 97.2 >= 90'] })
  reasons!: string[];
  @ApiProperty({ type: Number, nullable: true, example: 91.4 }) composite!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 97.2 }) momentum!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 42.5 }) value!: number | null;
  @ApiProperty({ example: 0.78 }) confidence!: number;
  @ApiProperty({ type: Number, nullable: true, example: 887.89 }) price!: number | null;
}

export class ScreeningDto implements Screening {
  @ApiProperty({ example: '2024-05-03' }) date!: string;
  @ApiProperty({ description: 'When the signals were computed.', example: '2024-05-03T14:30:00.000Z' }) asOf!: string;
  @ApiProperty({ example: 'sp500' }) universe!: string;
  @ApiProperty({ enum: SCORE_HORIZONS, example: 'medium' }) horizon!: ScoreHorizon;
  @ApiProperty({ type: SignalThresholdsDto }) thresholds!: SignalThresholdsDto;
  @ApiProperty({ example: 503 }) scanned!: number;
  @ApiProperty({ type: [ActiveSignalDto] }) signals!: ActiveSignalDto[];
}
