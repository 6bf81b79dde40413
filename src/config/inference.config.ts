import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { EnvSchema } from './env.schema';

/** The bundled artifact, relative to the repository root. */
export const DEFAULT_MODEL_PATH = 'models/momentum-v1.json';

export interface InferenceConfig {
  /**
   * Absolute path of the model artifact loaded at boot; a relative MODEL_PATH is taken from the
   * repository root (the folder holding package.json), not from the working directory.
   * @default '<repository root>/models/momentum-v1.json'
   */
  modelPath: string;
}

let root: string | undefined;

/**
 * The folder holding package.json above this file: the same answer from `src/config` (ts-node,
 * Jest) and from `dist/config` (built), and `/app` in the image, which copies package.json.
 */
export function repositoryRoot(): string {
  if (root !== undefined) return root;
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  root = existsSync(join(dir, 'package.json')) ? dir : process.cwd();
  return root;
}

export function buildInferenceConfig(env: EnvSchema): InferenceConfig {
  return { modelPath: resolve(repositoryRoot(), env.MODEL_PATH ?? DEFAULT_MODEL_PATH) };
}
