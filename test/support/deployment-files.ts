import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { parse, parseAllDocuments } from 'yaml';
import { buildAppConfig } from '../../src/config/app.config';
import { EnvSchema } from '../../src/config/env.schema';
import { validateEnv, type EnvSource } from '../../src/config/load-env';

/**
 * What the deployment-file specs share: the repository's files, the env schema's variable names,
 * and a small Dockerfile reader (logical instructions per stage). The files cannot be run here (no
 * container engine, no cluster), so the facts that would break a deploy are checked by reading them.
 */

export const ROOT = resolve(__dirname, '..', '..');
export const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** One YAML document per file; merge keys (`<<: *anchor`) resolved as docker compose does. */
export function readYaml<T>(path: string): T {
  const text = read(path);
  expect(parseAllDocuments(text)).toHaveLength(1);
  return parse(text, { merge: true }) as T;
}

/** Every variable of EnvSchema, from the class-validator metadata (each field has a validator). */
export const SCHEMA_VARS = new Set(
  getMetadataStorage()
    .getTargetValidationMetadatas(EnvSchema, '', false, false)
    .map((m) => m.propertyName),
);

export const APP_DEFAULT_PORT = buildAppConfig({}).port;

/** Throws ConfigInvalidError (with every problem listed) when a value would stop the service. */
export function expectValidEnv(source: EnvSource): void {
  expect(() => validateEnv(source)).not.toThrow();
}

export function expectSchemaVars(names: string[]): void {
  expect(names.filter((name) => !SCHEMA_VARS.has(name))).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

export interface Instruction {
  keyword: string;
  args: string;
}

/** Logical instructions per stage (continuation lines joined, comments and blanks dropped). */
export function parseDockerfile(text: string): Instruction[][] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#') || line === '') continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  if (current) logical.push(current);

  const stages: Instruction[][] = [];
  for (const line of logical) {
    const [keyword, ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') stages.push([]);
    if (stages.length > 0) stages[stages.length - 1].push(instruction);
  }
  return stages;
}

export const all = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword);
export const last = (stage: Instruction[], keyword: string) => all(stage, keyword).at(-1);
export const stageName = (stage: Instruction[]) => /\bAS\s+(\S+)$/i.exec(stage[0].args)?.[1];
export const workdir = (stage: Instruction[]) => last(stage, 'WORKDIR')?.args ?? '/';

export interface Copy {
  from?: string;
  sources: string[];
  dest: string;
}

export function parseCopy(instruction: Instruction): Copy {
  const tokens = instruction.args.split(/\s+/);
  const flags = tokens.filter((t) => t.startsWith('--'));
  const paths = tokens.filter((t) => !t.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), dest: paths[paths.length - 1] };
}

/** `ENV A=1 B=2` (the key=value form; values without spaces). */
export function parseEnv(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of all(stage, 'ENV')) {
    for (const pair of instruction.args.split(/\s+/)) {
      const at = pair.indexOf('=');
      if (at > 0) env[pair.slice(0, at)] = pair.slice(at + 1).replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

/** The JSON (exec) form of CMD / ENTRYPOINT / HEALTHCHECK CMD. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  expect(Array.isArray(parsed)).toBe(true);
  return parsed as string[];
}

export const dockerfile = parseDockerfile(read('docker/Dockerfile'));
/** The final stage: what the image runs. */
export const runtime = dockerfile[dockerfile.length - 1];
export const exposedPorts = all(runtime, 'EXPOSE').flatMap((i) => i.args.split(/\s+/).map((p) => Number(p.split('/')[0])));
