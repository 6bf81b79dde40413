import { ApiProperty, ApiPropertyOptional, type SchemaObject } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, Max, Min, ValidateBy, type ValidationArguments } from 'class-validator';
import { BAR_INTERVALS } from '../market-data/market-data.dto';
import type { BarInterval } from '../market-data/market-data.types';
import { DEFAULT_INDICATOR_NAMES, INDICATOR_NAME_HELP, parseIndicatorNames, type IndicatorValue } from './indicator-catalog';

export const MAX_INDICATOR_NAMES = 20;
export const DEFAULT_SERIES_POINTS = 100;
export const MAX_SERIES_POINTS = 1000;

/** What a caller may ask for; every field has a default (also for callers outside HTTP, like the warmer). */
export interface IndicatorsQuery {
  names?: readonly string[];
  interval?: BarInterval;
  series?: boolean;
  points?: number;
}

export interface IndicatorPoint {
  date: string;
  value: IndicatorValue;
}

export interface IndicatorsResponse {
  symbol: string;
  interval: BarInterval;
  /** Date of the last bar; null when the provider has no bars. */
  asOf: string | null;
  /** Latest value per requested name; null where there are not enough bars. */
  values: Record<string, IndicatorValue>;
  /** The last `points` bars per name, when `series=true`. */
  series?: Record<string, IndicatorPoint[]>;
}

// Names the offending entries, so a 400 says which name is wrong and not only that one is.
function IsIndicatorNames(): PropertyDecorator {
  const invalidOf = (value: unknown) => (Array.isArray(value) ? parseIndicatorNames(value.map(String)).invalid : [String(value)]);
  return ValidateBy({
    name: 'isIndicatorNames',
    validator: {
      validate: (value: unknown) => invalidOf(value).length === 0,
      defaultMessage: (args?: ValidationArguments) =>
        `names has unknown or malformed indicator(s): ${invalidOf(args?.value).join(', ')}; expected ${INDICATOR_NAME_HELP}`,
    },
  });
}

const toNameList = ({ value }: { value: unknown }) =>
  typeof value === 'string' || Array.isArray(value)
    ? [...new Set([value].flat().flatMap((v) => String(v).split(',')).map((s) => s.trim().toLowerCase()).filter(Boolean))]
    : value;

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class IndicatorsQueryDto implements IndicatorsQuery {
  /** Comma-separated, e.g. `rsi14,sma20,macd`; defaults to the six standard indicators. */
  @ApiPropertyOptional({
    type: String,
    description: `Comma-separated, at most ${MAX_INDICATOR_NAMES}: ${INDICATOR_NAME_HELP}.`,
    default: DEFAULT_INDICATOR_NAMES.join(','),
    example: 'rsi14,sma20,macd',
  })
  @IsOptional()
  @Transform(toNameList)
  @IsArray({ message: 'names must be a comma-separated list' })
  @ArrayMinSize(1, { message: 'names must name at least one indicator' })
  @ArrayMaxSize(MAX_INDICATOR_NAMES, { message: `names may name at most ${MAX_INDICATOR_NAMES} indicators` })
  @IsIndicatorNames()
  names: string[] = [...DEFAULT_INDICATOR_NAMES];

  @ApiPropertyOptional({ enum: BAR_INTERVALS, default: '1d', example: '1d' })
  @IsOptional()
  @IsIn(BAR_INTERVALS, { message: `interval must be one of ${BAR_INTERVALS.join(', ')}` })
  interval: BarInterval = '1d';

  @ApiPropertyOptional({ description: 'Also return the last `points` values per indicator.', default: false, example: false })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'series must be true or false' })
  series: boolean = false;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_SERIES_POINTS, default: DEFAULT_SERIES_POINTS, example: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'points must be an integer' })
  @Min(1, { message: 'points must be at least 1' })
  @Max(MAX_SERIES_POINTS, { message: `points must be at most ${MAX_SERIES_POINTS}` })
  points: number = DEFAULT_SERIES_POINTS;
}

// OpenAPI schema of IndicatorsResponse: a value is a number, a MACD triple, a band triple, or null.
const INDICATOR_VALUE_SCHEMA: SchemaObject = {
  nullable: true,
  oneOf: [
    { type: 'number' },
    { type: 'object', properties: { macd: { type: 'number' }, signal: { type: 'number' }, histogram: { type: 'number' } } },
    { type: 'object', properties: { upper: { type: 'number' }, middle: { type: 'number' }, lower: { type: 'number' } } },
  ],
};

export class IndicatorsResponseDto implements IndicatorsResponse {
  @ApiProperty({ example: 'AAPL' }) symbol!: string;
  @ApiProperty({ enum: BAR_INTERVALS, example: '1d' }) interval!: BarInterval;
  @ApiProperty({ type: String, nullable: true, description: 'Date of the last bar; null when there are no bars.', example: '2024-05-03' })
  asOf!: string | null;

  @ApiProperty({
    type: 'object',
    description: 'Latest value per requested name; null where there are not enough bars.',
    additionalProperties: INDICATOR_VALUE_SCHEMA,
    example: { rsi14: 61.2, sma20: 176.4, macd: { macd: 1.8, signal: 1.1, histogram: 0.7 }, bbands20: { upper: 186.2, middle: 176.4, lower: 166.6 } },
  })
  values!: Record<string, IndicatorValue>;

  @ApiPropertyOptional({
    type: 'object',
    description: 'The last `points` values per name, when `series=true`.',
    additionalProperties: {
      type: 'array',
      items: { type: 'object', properties: { date: { type: 'string' }, value: INDICATOR_VALUE_SCHEMA } },
    },
    example: { rsi14: [{ date: '2024-05-02', value: 58.9 }, { date: '2024-05-03', value: 61.2 }] },
  })
  series?: Record<string, IndicatorPoint[]>;
}
