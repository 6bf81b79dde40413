import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsNumber, IsOptional, Matches, Max, Min } from 'class-validator';
import { SYMBOL_PATTERN } from '../market-data/market-data.dto';
import { SCORE_HORIZONS, type ScoreHorizon } from '../scores/score-model';

export const MAX_SCAN_SYMBOLS = 10_000;
export const MAX_SCAN_LIMIT = 5_000;

/** A scan: which symbols, which filters, how many results. Either `universe` or `symbols`. */
export class ScanRequestDto {
  /** `all`, `sp500` or a sector slug; ignored when `symbols` is given. @default 'all' */
  @ApiPropertyOptional({ description: '`all`, `sp500` or a sector slug; ignored when `symbols` is given.', default: 'all', example: 'sp500' })
  @IsOptional()
  @Matches(/^[a-z0-9-]{1,40}$/, { message: 'universe must be 1-40 characters of a-z, 0-9 and -' })
  universe?: string;

  @ApiPropertyOptional({ type: [String], maxItems: MAX_SCAN_SYMBOLS, description: 'Scan these tickers instead of a universe.', example: ['AAPL', 'MSFT', 'NVDA'] })
  @IsOptional()
  @IsArray({ message: 'symbols must be an array of tickers' })
  @ArrayMinSize(1, { message: 'symbols must name at least one symbol' })
  @ArrayMaxSize(MAX_SCAN_SYMBOLS, { message: `symbols may name at most ${MAX_SCAN_SYMBOLS} symbols` })
  @Matches(SYMBOL_PATTERN, { each: true, message: 'each symbol must be 1-15 characters: letters, digits and . - ^ =' })
  @Transform(({ value }) => (Array.isArray(value) ? value.map((s) => (typeof s === 'string' ? s.trim().toUpperCase() : s)) : value))
  symbols?: string[];

  @ApiPropertyOptional({ enum: SCORE_HORIZONS, default: 'medium', example: 'medium' })
  @IsOptional()
  @IsIn(SCORE_HORIZONS, { message: `horizon must be one of ${SCORE_HORIZONS.join(', ')}` })
  horizon: ScoreHorizon = 'medium';

  /** Keep only this GICS sector (name or kebab-case slug). */
  @ApiPropertyOptional({ description: 'Keep only this GICS sector (name or kebab-case slug).', example: 'Information Technology' })
  @IsOptional()
  @Matches(/^[A-Za-z &-]{2,60}$/, { message: 'sector must be a GICS sector name or slug' })
  sector?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 1e7, description: 'Minimum last close.', example: 10 })
  @IsOptional() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'minPrice must be a number' })
  @Min(0) @Max(1e7)
  minPrice?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1e13, description: 'Minimum mean volume of the last 20 bars.', example: 1_000_000 })
  @IsOptional() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'minAvgVolume must be a number' })
  @Min(0) @Max(1e13)
  minAvgVolume?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 100, description: 'Minimum composite score.', example: 60 })
  @IsOptional() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'minScore must be a number' })
  @Min(0) @Max(100)
  minScore?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_SCAN_LIMIT, default: 50, description: 'Results kept, best composite first.', example: 50 })
  @IsOptional() @Type(() => Number) @IsInt({ message: 'limit must be an integer' }) @Min(1) @Max(MAX_SCAN_LIMIT)
  limit: number = 50;
}

export class ScanQueryDto {
  /** `true` streams NDJSON progress, matches and the final result. */
  @ApiPropertyOptional({ enum: ['true', 'false', '1', '0'], description: '`true` streams NDJSON: progress, matches as found, then the result.', example: 'false' })
  @IsOptional()
  @IsIn(['true', 'false', '1', '0'], { message: 'stream must be true or false' })
  stream?: string;
}

/** One symbol's scan record, cached per symbol, date and horizon. */
export interface ScanItem {
  symbol: string;
  name: string;
  sector: string;
  price: number | null;
  /** Mean volume of the last 20 bars. */
  avgVolume: number | null;
  composite: number | null;
  momentum: number | null;
  value: number | null;
  confidence: number;
}

export interface ScanStats {
  scanned: number;
  matched: number;
  cacheHits: { l1: number; l2: number; stale: number };
  /** Symbols evaluated afresh (their scan record was not cached). */
  computed: number;
  upstreamCalls: number;
  durationMs: number;
}

export interface ScanResponse {
  date: string;
  horizon: ScoreHorizon;
  universe: string;
  results: ScanItem[];
  unknown: string[];
  failed: string[];
  stats: ScanStats;
  /** True when the whole answer came from the scan cache; `stats` then describe the run that made it. */
  servedFromCache: boolean;
}

/** NDJSON lines of a streamed scan. */
export type ScanEvent =
  | { type: 'progress'; done: number; total: number; cacheHits: ScanStats['cacheHits']; upstreamCalls: number }
  | { type: 'match'; item: ScanItem }
  | { type: 'result'; result: ScanResponse };

// Response schemas for OpenAPI; `implements` keeps them in step with the types the service returns.

export class ScanItemDto implements ScanItem {
  @ApiProperty({ example: 'NVDA' }) symbol!: string;
  @ApiProperty({ example: 'NVIDIA Corporation' }) name!: string;
  @ApiProperty({ example: 'Information Technology' }) sector!: string;
  @ApiProperty({ type: Number, nullable: true, example: 887.89 }) price!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Mean volume of the last 20 bars.', example: 45_210_000 }) avgVolume!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 91.4 }) composite!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 97.2 }) momentum!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 42.5 }) value!: number | null;
  @ApiProperty({ example: 0.78 }) confidence!: number;
}

class ScanCacheHitsDto {
  @ApiProperty({ example: 480 }) l1!: number;
  @ApiProperty({ example: 20 }) l2!: number;
  @ApiProperty({ example: 3 }) stale!: number;
}

export class ScanStatsDto implements ScanStats {
  @ApiProperty({ example: 503 }) scanned!: number;
  @ApiProperty({ example: 61 }) matched!: number;
  @ApiProperty({ type: ScanCacheHitsDto }) cacheHits!: ScanCacheHitsDto;
  @ApiProperty({ description: 'Symbols evaluated afresh (their scan record was not cached).', example: 3 }) computed!: number;
  @ApiProperty({ example: 3 }) upstreamCalls!: number;
  @ApiProperty({ example: 42 }) durationMs!: number;
}

export class ScanResponseDto implements ScanResponse {
  @ApiProperty({ example: '2024-05-03' }) date!: string;
  @ApiProperty({ enum: SCORE_HORIZONS, example: 'medium' }) horizon!: ScoreHorizon;
  @ApiProperty({ example: 'sp500' }) universe!: string;
  @ApiProperty({ type: [ScanItemDto] }) results!: ScanItemDto[];
  @ApiProperty({ type: [String], description: 'Requested symbols the provider does not know.', example: [] }) unknown!: string[];
  @ApiProperty({ type: [String], description: 'Symbols whose evaluation failed (upstream trouble).', example: [] }) failed!: string[];
  @ApiProperty({ type: ScanStatsDto }) stats!: ScanStatsDto;
  @ApiProperty({ description: 'True when the whole answer came from the scan cache; `stats` then describe the run that made it.', example: false })
  servedFromCache!: boolean;
}
