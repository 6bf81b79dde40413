import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { ConfigInvalidError } from '../common/errors';
import { EnvSchema } from './env.schema';

export type EnvSource = Record<string, string | undefined>;

/** Names every bad variable with its value's problem; never echoes secret values. */
function describe(errors: ValidationError[]): string[] {
  return errors.map((e) => `${e.property}: ${Object.values(e.constraints ?? { invalid: 'is invalid' }).join('; ')}`);
}

/**
 * Validates the environment once. Throws `ConfigInvalidError` listing every bad variable, so an
 * operator fixes them all in one go rather than one restart per typo.
 */
export function validateEnv(source: EnvSource): EnvSchema {
  // Empty strings mean "unset": `.env` files and Kubernetes often render blanks.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const env = plainToInstance(EnvSchema, cleaned);
  const errors = validateSync(env, { whitelist: false, forbidUnknownValues: true });
  if (errors.length > 0) throw new ConfigInvalidError(describe(errors));
  return env;
}
