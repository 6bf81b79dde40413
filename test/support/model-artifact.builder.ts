import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEATURE_NAMES } from '../../src/inference/feature-builder';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelArtifact } from '../../src/inference/model-artifact';

/**
 * A valid artifact with hand-checkable numbers: every feature standardized with mean 0 and std 1,
 * all weights 0 and intercept 0 (so probabilityUp is 0.5) unless overridden.
 */
export function artifact(overrides: Partial<ModelArtifact> = {}): ModelArtifact {
  return {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    name: 'test-model',
    version: '0.0.1',
    trainedAt: '2026-01-01T00:00:00.000Z',
    horizonDays: 20,
    target: { type: 'classification', description: 'forward 20-trading-day return > 0' },
    features: FEATURE_NAMES.map((name) => ({ name, mean: 0, std: 1 })),
    clip: 5,
    model: { kind: 'logistic-regression', intercept: 0, weights: FEATURE_NAMES.map(() => 0), l2: 0 },
    signal: { bearishBelow: 0.45, bullishAbove: 0.55, rule: 'test' },
    ...overrides,
  };
}

const dirs: string[] = [];

if (typeof afterAll === 'function') {
  afterAll(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
}

/** Writes `content` (an object as JSON, or raw text) to a fresh temp file; removed after the test file. */
export function writeArtifactFile(content: unknown, name = 'model.json'): string {
  const dir = mkdtempSync(join(tmpdir(), 'mc-model-'));
  dirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}
