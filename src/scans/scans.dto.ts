import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsNumber, IsOptional, Matches, Max, Min } from 'class-validator';
import { SYMBOL_PATTERN } from '../market-data/market-data.dto';
import { SCORE_HORIZONS, type ScoreHorizon } from '../scores/score-model';

export const MAX_SCAN_SYMBOLS = 10_000;
export const MAX_SCAN_LIMIT = 5_000;

/** A scan: which symbols, which filters, how many results. Either `universe` or `symbols`. */
export class ScanRequestDto {
  /** `all`, `sp500` or a sector slug; ignored when `symbols` is given. @default 'all' */
  @IsOptional()
  @Matches(/^[a-z0-9-]{1,40}$/, { message: 'universe must be 1-40 characters of a-z, 0-9 and -' })
  universe?: string;

  @IsOptional()
  @IsArray({ message: 'symbols must be an array of tickers' })
  @ArrayMinSize(1, { message: 'symbols must name at least one symbol' })
  @ArrayMaxSize(MAX_SCAN_SYMBOLS, { message: `symbols may name at most ${MAX_SCAN_SYMBOLS} symbols` })
  @Matches(SYMBOL_PATTERN, { each: true, message: 'each symbol must be 1-15 characters: letters, digits and . - ^ =' })
  @Transform(({ value }) => (Array.isArray(value) ? value.map((s) => (typeof s === 'string' ? s.trim().toUpperCase() : s)) : value))
  symbols?: string[];

  @IsOptional()
  @IsIn(SCORE_HORIZONS, { message: `horizon must be one of ${SCORE_HORIZONS.join(', ')}` })
  horizon: ScoreHorizon = 'medium';

  /** Keep only this GICS sector (name or kebab-case slug). */
  @IsOptional()
  @Matches(/^[A-Za-z &-]{2,60}$/, { message: 'sector must be a GICS sector name or slug' })
  sector?: string;

  @IsOptional() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'minPrice must be a number' })
  @Min(0) @Max(1e7)
  minPrice?: number;

  @IsOptional() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'minAvgVolume must be a number' })
  @Min(0) @Max(1e13)
  minAvgVolume?: number;

  @IsOptional() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'minScore must be a number' })
  @Min(0) @Max(100)
  minScore?: number;

  @IsOptional() @Type(() => Number) @IsInt({ message: 'limit must be an integer' }) @Min(1) @Max(MAX_SCAN_LIMIT)
  limit: number = 50;
}

export class ScanQueryDto {
  /** `true` streams NDJSON progress, matches and the final result. */
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
