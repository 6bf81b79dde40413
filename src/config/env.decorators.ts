import { applyDecorators } from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Max, Min, ValidateBy } from 'class-validator';

/** An optional integer env var within [min, max]; strings are converted before validation. */
export function IntVar(min: number, max = Number.MAX_SAFE_INTEGER): PropertyDecorator {
  return applyDecorators(IsOptional(), Type(() => Number), IsInt(), Min(min), Max(max));
}

/** An optional boolean env var: accepts true/false/1/0/yes/no (any case); anything else fails validation. */
export function BoolVar(): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    Transform(({ value }) => {
      if (typeof value !== 'string') return value;
      const v = value.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      return value;
    }),
    IsBoolean(),
  );
}

/** A TTL or grace in seconds (0 allowed only where `min` says so). */
export function SecondsVar(min = 1): PropertyDecorator {
  return IntVar(min, 365 * 24 * 3600);
}

/** An optional string env var that `parse` accepts (it throws an Error whose message says why not, without echoing secrets). */
export function ParsedVar(parse: (value: string) => unknown): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    ValidateBy({
      name: 'parsed',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          try {
            parse(value);
            return true;
          } catch {
            return false;
          }
        },
        defaultMessage: (args) => {
          try {
            parse(String(args?.value));
            return `${args?.property} is invalid`;
          } catch (error) {
            return `${args?.property}: ${(error as Error).message}`;
          }
        },
      },
    }),
  );
}
