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
  @IsOptional()
  @Transform(toNameList)
  @IsArray({ message: 'names must be a comma-separated list' })
  @ArrayMinSize(1, { message: 'names must name at least one indicator' })
  @ArrayMaxSize(MAX_INDICATOR_NAMES, { message: `names may name at most ${MAX_INDICATOR_NAMES} indicators` })
  @IsIndicatorNames()
  names: string[] = [...DEFAULT_INDICATOR_NAMES];

  @IsOptional()
  @IsIn(BAR_INTERVALS, { message: `interval must be one of ${BAR_INTERVALS.join(', ')}` })
  interval: BarInterval = '1d';

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'series must be true or false' })
  series: boolean = false;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'points must be an integer' })
  @Min(1, { message: 'points must be at least 1' })
  @Max(MAX_SERIES_POINTS, { message: `points must be at most ${MAX_SERIES_POINTS}` })
  points: number = DEFAULT_SERIES_POINTS;
}
