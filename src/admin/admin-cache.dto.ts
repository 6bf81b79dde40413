import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export const MAX_PATTERN_LENGTH = 200;
/** Largest SCAN page (and `count` hint) one `GET keys` asks for; larger requests are capped. */
export const MAX_KEYS_PAGE = 1000;
export const MAX_TOP_KEYS = 100;
/** Keys a dry-run pattern delete lists (it counts them all). */
export const DRY_RUN_SAMPLE = 20;

// Printable ASCII: our keys are percent-encoded ASCII, and log lines that echo a pattern stay one line.
const PRINTABLE = /^[\x20-\x7e]+$/;
const PRINTABLE_MESSAGE = (field: string) => `${field} must be printable ASCII (no control characters)`;

export class ListKeysQuery {
  @ApiPropertyOptional({ description: 'Redis glob applied inside REDIS_PREFIX', default: '*', example: 'v1:price:*' })
  @IsOptional() @IsString() @MaxLength(MAX_PATTERN_LENGTH) @Matches(PRINTABLE, { message: PRINTABLE_MESSAGE('pattern') })
  pattern: string = '*';

  @ApiPropertyOptional({ description: 'The `cursor` of the previous page; `0` starts', default: '0' })
  @IsOptional() @Matches(/^\d{1,20}$/, { message: 'cursor must be the number a previous page returned' })
  cursor: string = '0';

  @ApiPropertyOptional({ description: `Page size hint, capped at ${MAX_KEYS_PAGE}`, default: 100 })
  @IsOptional() @Type(() => Number) @IsInt({ message: 'count must be an integer' }) @Min(1)
  count: number = 100;
}

export class DeleteKeysQuery {
  @ApiProperty({ description: 'Redis glob applied to the cache keys inside REDIS_PREFIX; `*` is every cache key, never state (alerts, screenings, leases)', example: 'v1:price:*' })
  @IsString() @MaxLength(MAX_PATTERN_LENGTH) @Matches(PRINTABLE, { message: PRINTABLE_MESSAGE('pattern') })
  pattern!: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], default: 'false', description: `Delete nothing: answer how many keys would go and the first ${DRY_RUN_SAMPLE} of them` })
  @IsOptional() @IsIn(['true', 'false'], { message: 'dryRun must be true or false' })
  dryRun?: 'true' | 'false';
}

export class TagParams {
  @ApiProperty({ example: 'symbol:AAPL' })
  @IsString() @MaxLength(MAX_PATTERN_LENGTH) @Matches(PRINTABLE, { message: PRINTABLE_MESSAGE('tag') })
  tag!: string;
}

export class TtlQuery {
  @ApiProperty({ description: 'A logical key, without REDIS_PREFIX', example: 'v1:price:AAPL' })
  @IsString() @MaxLength(MAX_PATTERN_LENGTH * 2) @Matches(PRINTABLE, { message: PRINTABLE_MESSAGE('key') })
  key!: string;
}

export class StatsQuery {
  @ApiPropertyOptional({ description: 'How many of the most requested keys to list', default: 20 })
  @IsOptional() @Type(() => Number) @IsInt({ message: 'top must be an integer' }) @Min(1) @Max(MAX_TOP_KEYS)
  top: number = 20;
}

export class DeletedDto {
  @ApiProperty({ description: 'How many keys were deleted' }) deleted!: number;
}

export class DeleteKeysResultDto {
  @ApiProperty({ description: 'How many keys were deleted; 0 on a dry run' }) deleted!: number;
  @ApiPropertyOptional({ description: 'Only on a dry run: true' }) dryRun?: boolean;
  @ApiPropertyOptional({ description: 'Only on a dry run: how many keys the pattern matches now (Redis, or L1 when Redis is unavailable)' }) wouldDelete?: number;
  @ApiPropertyOptional({ type: [String], description: `Only on a dry run: up to ${DRY_RUN_SAMPLE} of those keys (logical, without REDIS_PREFIX)` }) sample?: string[];
}

export class SymbolInvalidatedDto {
  @ApiProperty({ example: 'AAPL', description: 'The symbol, upper-cased' }) symbol!: string;
  @ApiProperty({ description: 'How many entries built from the symbol were deleted' }) deleted!: number;
}

export class KeyPageDto {
  @ApiProperty({ enum: ['redis', 'memory'], description: '`memory` when Redis is unavailable: L1 keys, offset cursor' }) source!: string;
  @ApiProperty({ type: [String], description: 'Logical keys, without REDIS_PREFIX' }) keys!: string[];
  @ApiProperty({ description: 'Pass back to continue; `0` when the listing is complete' }) cursor!: string;
}

export class TtlDto {
  @ApiProperty() key!: string;
  @ApiProperty({ nullable: true, type: Number, description: 'Remaining seconds in L1 (memory); null when not held there' }) l1Seconds!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Remaining seconds in L2 (Redis); null when not held there or Redis is unavailable' })
  l2Seconds!: number | null;
}
