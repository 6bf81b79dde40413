import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, ValidateBy } from 'class-validator';
import { validateCronExpression } from 'cron';

/** An optional comma-separated list env var; each item (trimmed, blanks dropped) must pass `isItem`. */
export function ListVar(isItem: (item: string) => boolean, expected: string, maxItems = 10_000): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    Transform(({ value }) =>
      typeof value === 'string'
        ? value
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : value,
    ),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(maxItems),
    ValidateBy({
      name: 'listItems',
      validator: {
        validate: (value: unknown) => Array.isArray(value) && value.every((v) => typeof v === 'string' && isItem(v)),
        defaultMessage: (args) => {
          const bad = Array.isArray(args?.value) ? args.value.filter((v: unknown) => typeof v !== 'string' || !isItem(v)) : [];
          return `${args?.property} has invalid item(s) ${bad.join(', ')}; expected ${expected}`;
        },
      },
    }),
  );
}

/** An optional cron expression (5 fields, or 6 with seconds), or `off`. */
export function CronVar(): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    ValidateBy({
      name: 'cronExpression',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && (value === 'off' || validateCronExpression(value).valid),
        defaultMessage: (args) => `${args?.property} must be a cron expression like "0 9 * * 1-5", or off`,
      },
    }),
  );
}

/** An optional IANA time zone name (e.g. America/New_York), as the platform's Intl knows them. */
export function TimeZoneVar(): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    ValidateBy({
      name: 'timeZone',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isTimeZone(value),
        defaultMessage: (args) => `${args?.property} must be an IANA time zone, e.g. America/New_York`,
      },
    }),
  );
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
