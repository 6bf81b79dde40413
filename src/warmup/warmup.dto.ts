import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, Matches } from 'class-validator';
import { WARM_POLICY_NAMES, type WarmPolicyName } from '../config/warmup.config';
import { SYMBOL_PATTERN } from '../market-data/market-data.dto';
import type { WarmupFailure, WarmupProgress, WarmupStatus, WarmupTrigger } from './warmup-run';
import type { WarmupRequest } from './cache-warmer.service';

export const MAX_WARMUP_SYMBOLS = 10_000;
export const WARMUP_ID_PATTERN = /^[a-z0-9-]{1,40}$/;

// A list may come as an array or as one comma-separated string (as on the CLI and in env vars).
const toList =
  (normalize: (s: string) => string) =>
  ({ value }: { value: unknown }): unknown =>
    typeof value === 'string' || Array.isArray(value)
      ? [...new Set([value].flat().flatMap((v) => String(v).split(',')).map((s) => normalize(s.trim())).filter(Boolean))]
      : value;

export class StartWarmupDto implements WarmupRequest {
  @ApiPropertyOptional({
    type: [String],
    description: 'Symbols to warm; default: WARMUP_SYMBOLS, else the most requested symbols plus the first WARMUP_TOP_N of sp500',
    example: ['AAPL', 'MSFT'],
  })
  @IsOptional()
  @Transform(toList((s) => s.toUpperCase()))
  @IsArray({ message: 'symbols must be a list' })
  @ArrayMinSize(1, { message: 'symbols must name at least one symbol' })
  @ArrayMaxSize(MAX_WARMUP_SYMBOLS, { message: `symbols may name at most ${MAX_WARMUP_SYMBOLS} symbols` })
  @Matches(SYMBOL_PATTERN, { each: true, message: 'each symbol must be 1-15 characters: letters, digits and . - ^ =' })
  symbols?: string[];

  @ApiPropertyOptional({ enum: WARM_POLICY_NAMES, isArray: true, description: 'What to warm per symbol; default: WARMUP_POLICIES', example: ['prices', 'scores'] })
  @IsOptional()
  @Transform(toList((s) => s.toLowerCase()))
  @IsArray({ message: 'policies must be a list' })
  @ArrayMinSize(1, { message: 'policies must name at least one policy' })
  @IsIn(WARM_POLICY_NAMES, { each: true, message: `each policy must be one of ${WARM_POLICY_NAMES.join(', ')}` })
  policies?: WarmPolicyName[];
}

export class WarmupIdParams {
  @ApiProperty({ example: 'm1x2y3z4-0a1b2c3d' })
  @Matches(WARMUP_ID_PATTERN, { message: 'id must be a warmup id as returned by POST warmup' })
  id!: string;
}

export class WarmupStartedDto {
  @ApiProperty({ example: 'm1x2y3z4-0a1b2c3d' }) id!: string;
  @ApiProperty({ description: 'true when a warmup was already running and this request joined it (its symbols and policies are then ignored)' })
  joined!: boolean;
  @ApiProperty({ enum: ['running', 'done', 'failed', 'aborted'] }) status!: WarmupStatus;
  @ApiProperty({ description: 'Where to poll the progress', example: '/api/v1/admin/cache/warmup/m1x2y3z4-0a1b2c3d' }) progress!: string;
}

class WarmupFailureDto implements WarmupFailure {
  @ApiProperty({ example: 'ZZZZ' }) symbol!: string;
  @ApiProperty({ enum: WARM_POLICY_NAMES }) policy!: WarmPolicyName;
  @ApiProperty({ example: 'SYMBOL_NOT_FOUND' }) code!: string;
  @ApiProperty({ example: 'Unknown symbol: ZZZZ' }) message!: string;
}

export class WarmupProgressDto implements WarmupProgress {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['boot', 'cron', 'api'] }) trigger!: WarmupTrigger;
  @ApiProperty({ enum: ['running', 'done', 'failed', 'aborted'] }) status!: WarmupStatus;
  @ApiProperty({ enum: WARM_POLICY_NAMES, isArray: true }) policies!: WarmPolicyName[];
  @ApiProperty({ description: 'Symbols in the run' }) symbols!: number;
  @ApiProperty({ description: 'Tasks: symbols × policies' }) total!: number;
  @ApiProperty({ description: 'Tasks finished, failed ones included' }) done!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() symbolsDone!: number;
  @ApiProperty() percent!: number;
  @ApiProperty({ description: 'Tasks per second since the start' }) rate!: number;
  @ApiProperty() symbolsPerSecond!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Estimated ms left; null before the first task and after the end' }) etaMs!: number | null;
  @ApiProperty() elapsedMs!: number;
  @ApiProperty() startedAt!: string;
  @ApiProperty({ type: String, nullable: true }) finishedAt!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { SYMBOL_NOT_FOUND: 1 } }) failuresByCode!: Record<string, number>;
  @ApiProperty({ type: [WarmupFailureDto], description: 'The first 20 failures' }) failures!: WarmupFailure[];
  @ApiPropertyOptional({ description: 'Why the run itself failed' }) error?: string;
}
