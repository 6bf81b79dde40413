import { readFileSync } from 'node:fs';
import { ConfigInvalidError } from '../common/errors';
import { FEATURE_NAMES } from './feature-builder';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelArtifact } from './model-artifact';
import { ModelRuntime } from './model-runtime';

/**
 * The artifact at MODEL_PATH cannot serve. A configuration error, so boot stops and main() prints
 * the path and every problem plainly, as it does for a bad environment variable.
 */
export class ModelArtifactError extends ConfigInvalidError {
  constructor(
    readonly path: string,
    readonly artifactProblems: string[],
    options?: { cause?: unknown },
  ) {
    super([`MODEL_PATH: cannot load the model artifact ${path}: ${artifactProblems.join('; ')}`]);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/**
 * Reads and validates an artifact (format, formatVersion, feature list and order, numeric weights
 * and statistics, signal thresholds). Synchronous: it runs once, at boot.
 * @throws ModelArtifactError naming the path and the problems.
 */
export function loadModelArtifact(path: string): ModelRuntime {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `cannot read the file (${(error as Error).message})`;
    throw new ModelArtifactError(path, [reason], { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ModelArtifactError(path, [`not valid JSON (${(error as Error).message})`], { cause: error });
  }
  const problems = validateArtifact(parsed);
  if (problems.length > 0) throw new ModelArtifactError(path, problems);
  return new ModelRuntime(parsed as ModelArtifact);
}

/** Every problem of a parsed artifact; empty when it can serve. Format problems stop the check early. */
export function validateArtifact(value: unknown): string[] {
  if (!isObject(value)) return ['the top level must be a JSON object'];
  if (value.format !== MODEL_FORMAT) return [`format is ${JSON.stringify(value.format)}, expected "${MODEL_FORMAT}"`];
  if (value.formatVersion !== MODEL_FORMAT_VERSION) {
    return [`formatVersion ${JSON.stringify(value.formatVersion)} is not supported (this service reads ${MODEL_FORMAT_VERSION})`];
  }
  const problems: string[] = [];
  for (const field of ['name', 'version', 'trainedAt'] as const) {
    if (!isText(value[field])) problems.push(`${field} must be a non-empty string`);
  }
  if (!Number.isInteger(value.horizonDays) || (value.horizonDays as number) < 1) problems.push('horizonDays must be a positive integer');
  if (!isFiniteNumber(value.clip) || value.clip <= 0) problems.push('clip must be a positive number');
  problems.push(...featureProblems(value.features), ...weightProblems(value.model), ...signalProblems(value.signal));
  return problems;
}

function featureProblems(features: unknown): string[] {
  if (!Array.isArray(features)) return ['features must be an array'];
  const names = features.map((f) => (isObject(f) ? f.name : undefined));
  const missing = FEATURE_NAMES.filter((name) => !names.includes(name));
  const unexpected = names.filter((name) => !(FEATURE_NAMES as readonly unknown[]).includes(name));
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`features lacks ${missing.join(', ')}`);
  if (unexpected.length > 0) problems.push(`features has unknown entries ${unexpected.map((n) => JSON.stringify(n)).join(', ')}`);
  if (problems.length === 0 && names.join() !== FEATURE_NAMES.join()) {
    problems.push(`features must be in the order ${FEATURE_NAMES.join(', ')}`);
  }
  features.forEach((f, i) => {
    if (!isObject(f) || !isFiniteNumber(f.mean)) problems.push(`features[${i}].mean must be a finite number`);
    if (!isObject(f) || !isFiniteNumber(f.std) || f.std <= 0) problems.push(`features[${i}].std must be a positive finite number`);
  });
  return problems;
}

function weightProblems(model: unknown): string[] {
  if (!isObject(model)) return ['model must be an object'];
  const problems: string[] = [];
  if (model.kind !== 'logistic-regression') problems.push(`model.kind is ${JSON.stringify(model.kind)}, expected "logistic-regression"`);
  if (!isFiniteNumber(model.intercept)) problems.push('model.intercept must be a finite number');
  if (!Array.isArray(model.weights) || model.weights.length !== FEATURE_NAMES.length) {
    problems.push(`model.weights must be an array of ${FEATURE_NAMES.length} numbers (one per feature)`);
  } else {
    const bad = model.weights.flatMap((w, i) => (isFiniteNumber(w) ? [] : [i]));
    if (bad.length > 0) problems.push(`model.weights[${bad.join(', ')}] must be finite numbers`);
  }
  return problems;
}

function signalProblems(signal: unknown): string[] {
  if (!isObject(signal)) return ['signal must be an object with bearishBelow and bullishAbove'];
  const { bearishBelow, bullishAbove } = signal;
  const inUnit = (v: unknown) => isFiniteNumber(v) && v > 0 && v < 1;
  if (!inUnit(bearishBelow) || !inUnit(bullishAbove)) return ['signal.bearishBelow and signal.bullishAbove must be numbers between 0 and 1'];
  return (bearishBelow as number) <= (bullishAbove as number) ? [] : ['signal.bearishBelow must not exceed signal.bullishAbove'];
}
