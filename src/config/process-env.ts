import type { EnvSource } from './load-env';

/** The raw process environment; `src/config` is the only folder that touches `process.env`. */
export function loadRawProcessEnv(): EnvSource {
  return { ...process.env };
}
