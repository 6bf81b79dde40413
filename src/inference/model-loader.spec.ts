import { artifact, writeArtifactFile } from '../../test/support/model-artifact.builder';
import { buildInferenceConfig } from '../config/inference.config';
import { FEATURE_NAMES } from './feature-builder';
import { loadModelArtifact, ModelArtifactError } from './model-loader';

/** The error `loadModelArtifact` throws for a file holding `content`. */
function failureOf(content: unknown): ModelArtifactError {
  const path = writeArtifactFile(content);
  try {
    loadModelArtifact(path);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelArtifactError);
    expect((error as ModelArtifactError).message).toContain(path);
    return error as ModelArtifactError;
  }
  throw new Error('expected the artifact to be refused');
}

describe(loadModelArtifact.name, () => {
  const sut = loadModelArtifact;

  it('loads the bundled artifact from the default MODEL_PATH, with every feature in order', () => {
    const model = sut(buildInferenceConfig({}).modelPath);

    expect(model.name).toBe('momentum-v1');
    expect(model.artifact.features.map((f) => f.name)).toEqual([...FEATURE_NAMES]);
    expect(model.horizonDays).toBe(20);
    const p = model.probabilityUp(model.artifact.features.map((f) => f.mean));
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
  });

  it('loads a valid artifact written elsewhere', () => {
    expect(sut(writeArtifactFile(artifact())).version).toBe('0.0.1');
  });

  it('names the path and says "file not found" for a missing file', () => {
    expect(() => sut('/nonexistent/model.json')).toThrow('MODEL_PATH: cannot load the model artifact /nonexistent/model.json: file not found');
  });

  it('refuses a file that is not JSON', () => {
    expect(failureOf('{"format": "mc-logistic-regression", ').message).toMatch(/not valid JSON/);
    expect(failureOf('').message).toMatch(/not valid JSON/);
  });

  it('refuses a JSON value that is not an object', () => {
    expect(failureOf('[1, 2]').artifactProblems).toEqual(['the top level must be a JSON object']);
  });

  it('refuses another format or a format version it does not read', () => {
    expect(failureOf(artifact({ format: 'onnx' as never })).artifactProblems).toEqual(['format is "onnx", expected "mc-logistic-regression"']);
    expect(failureOf(artifact({ formatVersion: 2 as never })).artifactProblems).toEqual([
      'formatVersion 2 is not supported (this service reads 1)',
    ]);
  });

  it('names a missing, an unknown and a misplaced feature', () => {
    const features = artifact().features;

    expect(failureOf(artifact({ features: features.filter((f) => f.name !== 'rsi14') })).artifactProblems).toContain('features lacks rsi14');
    expect(failureOf(artifact({ features: [...features, { name: 'pe' as never, mean: 0, std: 1 }] })).artifactProblems).toContain(
      'features has unknown entries "pe"',
    );
    expect(failureOf(artifact({ features: [features[1], features[0], ...features.slice(2)] })).artifactProblems).toEqual([
      `features must be in the order ${FEATURE_NAMES.join(', ')}`,
    ]);
  });

  it('refuses non-numeric weights, statistics and thresholds, listing every problem', () => {
    const base = artifact();
    const weights: unknown[] = [...base.model.weights];
    weights[2] = '0.1';
    weights[4] = null;
    const features = base.features.map((f, i) => (i === 0 ? { ...f, std: 0 } : f));

    const error = failureOf({ ...base, features, model: { ...base.model, weights }, signal: { bearishBelow: 0.7, bullishAbove: 0.6 } });

    expect(error.artifactProblems).toEqual([
      'features[0].std must be a positive finite number',
      'model.weights[2, 4] must be finite numbers',
      'signal.bearishBelow must not exceed signal.bullishAbove',
    ]);
  });

  it('refuses a weight list of the wrong length and missing identity fields', () => {
    const base = artifact();

    const error = failureOf({ ...base, name: '', version: undefined, horizonDays: 0, model: { ...base.model, weights: [1, 2] } });

    expect(error.artifactProblems).toEqual([
      'name must be a non-empty string',
      'version must be a non-empty string',
      'horizonDays must be a positive integer',
      `model.weights must be an array of ${FEATURE_NAMES.length} numbers (one per feature)`,
    ]);
    expect(error.code).toBe('CONFIG_INVALID');
  });
});
