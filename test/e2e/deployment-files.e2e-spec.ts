import { existsSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { parse, parseAllDocuments } from 'yaml';
import { buildAppConfig } from '../../src/config/app.config';
import { buildAllConfig } from '../../src/config/configuration';
import { EnvSchema } from '../../src/config/env.schema';
import { validateEnv, type EnvSource } from '../../src/config/load-env';
import { startApp } from '../support/app.builder';

/**
 * The deployment files (Dockerfile, .dockerignore, .env.example, docker compose, nginx, k8s)
 * agree with the code: env variable names and values, the port, the probe routes, the entry file.
 * They cannot be run here (no container engine, no cluster), so the facts that would break a
 * deploy are checked by reading them.
 */

const ROOT = resolve(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** One YAML document per file; merge keys (`<<: *anchor`) resolved as docker compose does. */
function readYaml<T>(path: string): T {
  const text = read(path);
  expect(parseAllDocuments(text)).toHaveLength(1);
  return parse(text, { merge: true }) as T;
}

/** Every variable of EnvSchema, from the class-validator metadata (each field has a validator). */
const SCHEMA_VARS = new Set(
  getMetadataStorage()
    .getTargetValidationMetadatas(EnvSchema, '', false, false)
    .map((m) => m.propertyName),
);

const APP_DEFAULT_PORT = buildAppConfig({}).port;

/** Throws ConfigInvalidError (with every problem listed) when a value would stop the service. */
function expectValidEnv(source: EnvSource): void {
  expect(() => validateEnv(source)).not.toThrow();
}

function expectSchemaVars(names: string[]): void {
  expect(names.filter((name) => !SCHEMA_VARS.has(name))).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

interface Instruction {
  keyword: string;
  args: string;
}

/** Logical instructions per stage (continuation lines joined, comments and blanks dropped). */
function parseDockerfile(text: string): Instruction[][] {
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

const all = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword);
const last = (stage: Instruction[], keyword: string) => all(stage, keyword).at(-1);
const stageName = (stage: Instruction[]) => /\bAS\s+(\S+)$/i.exec(stage[0].args)?.[1];
const workdir = (stage: Instruction[]) => last(stage, 'WORKDIR')?.args ?? '/';

interface Copy {
  from?: string;
  sources: string[];
  dest: string;
}

function parseCopy(instruction: Instruction): Copy {
  const tokens = instruction.args.split(/\s+/);
  const flags = tokens.filter((t) => t.startsWith('--'));
  const paths = tokens.filter((t) => !t.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), dest: paths[paths.length - 1] };
}

/** `ENV A=1 B=2` (the key=value form; values without spaces). */
function parseEnv(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of all(stage, 'ENV')) {
    for (const pair of instruction.args.split(/\s+/)) {
      const at = pair.indexOf('=');
      if (at > 0) env[pair.slice(0, at)] = pair.slice(at + 1).replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

const dockerfile = parseDockerfile(read('docker/Dockerfile'));
const runtime = dockerfile[dockerfile.length - 1];
const exposedPorts = all(runtime, 'EXPOSE').flatMap((i) => i.args.split(/\s+/).map((p) => Number(p.split('/')[0])));

/** The JSON (exec) form of CMD / ENTRYPOINT / HEALTHCHECK CMD. */
function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  expect(Array.isArray(parsed)).toBe(true);
  return parsed as string[];
}

describe('docker/Dockerfile', () => {
  it('builds in a separate stage and runs the final stage on node:20 slim', () => {
    expect(dockerfile.length).toBeGreaterThanOrEqual(2);
    // `FROM ${NODE_IMAGE}`: the global ARGs are the lines before the first FROM.
    const text = read('docker/Dockerfile');
    const globalArgs = Object.fromEntries(
      text
        .slice(0, text.search(/^FROM\s/m))
        .split(/\r?\n/)
        .filter((line) => /^ARG\s+\w+=/.test(line))
        .map((line) => line.replace(/^ARG\s+/, '').trim().split('=', 2) as [string, string]),
    );
    const image = runtime[0].args.split(/\s+/)[0].replace(/\$\{(\w+)\}/g, (_, name: string) => globalArgs[name] ?? '');
    expect(image).toMatch(/^node:20[.\d]*-bookworm-slim$/);
  });

  it('runs as a non-root user', () => {
    const user = last(runtime, 'USER')?.args;
    expect(user).toBeDefined();
    const name = String(user).split(':')[0];
    expect(['root', '0', '']).not.toContain(name);
  });

  it('exposes the port the app listens on by default, and sets the same PORT', () => {
    expect(APP_DEFAULT_PORT).toBe(3000);
    expect(exposedPorts).toEqual([APP_DEFAULT_PORT]);
    const env = parseEnv(runtime);
    expect(Number(env.PORT ?? APP_DEFAULT_PORT)).toBe(APP_DEFAULT_PORT);
  });

  it('sets only environment values the service accepts', () => {
    const env = parseEnv(runtime);
    expectSchemaVars(Object.keys(env));
    expectValidEnv(env);
    expect(env.NODE_ENV).toBe('production');
  });

  it('has a HEALTHCHECK that calls /health/live with node (no curl in slim images)', () => {
    const healthcheck = last(runtime, 'HEALTHCHECK')?.args ?? '';
    expect(healthcheck).toContain('/health/live');
    const command = execForm(healthcheck.slice(healthcheck.indexOf('CMD') + 'CMD'.length).trim());
    expect(command[0]).toBe('node');
    expect(command.join(' ')).not.toMatch(/\b(curl|wget)\b/);
  });

  it('starts the file that `npm run start:prod` starts, from the dist/ it copies from the build stage', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const cmd = execForm(last(runtime, 'CMD')?.args ?? '[]');
    expect(cmd.join(' ')).toBe(pkg.scripts['start:prod']);
    expect(cmd).toEqual(['node', 'dist/main.js']);

    // The entry file lands where CMD looks: <WORKDIR>/dist/main.js, copied from <build WORKDIR>/dist.
    const entry = posix.resolve(workdir(runtime), cmd[1]);
    const distCopy = all(runtime, 'COPY')
      .map(parseCopy)
      .find((c) => c.from !== undefined && c.sources.some((s) => posix.basename(s) === 'dist'));
    expect(distCopy).toBeDefined();
    const copy = distCopy as Copy;
    expect(entry.startsWith(`${posix.resolve(workdir(runtime), copy.dest)}/`)).toBe(true);

    const buildStage = dockerfile.find((stage) => stageName(stage) === copy.from);
    expect(buildStage).toBeDefined();
    const build = buildStage as Instruction[];
    expect(all(build, 'RUN').some((i) => /\bnpm (ci|install)\b/.test(i.args))).toBe(true);
    expect(all(build, 'RUN').some((i) => /\bnpm run build\b/.test(i.args))).toBe(true);
    expect(pkg.scripts.build).toBe('nest build');
    expect(posix.resolve(workdir(build), 'dist')).toBe(posix.resolve(workdir(build), copy.sources[0]));
    // tsconfig's outDir is where `nest build` writes.
    expect(read('tsconfig.json')).toMatch(/"outDir":\s*"\.\/dist"/);
    expect(existsSync(join(ROOT, 'src', 'main.ts'))).toBe(true);
  });

  it('copies production node_modules and package.json into the runtime stage', () => {
    const copies = all(runtime, 'COPY').map(parseCopy);
    expect(copies.some((c) => c.sources.some((s) => posix.basename(s) === 'node_modules'))).toBe(true);
    expect(copies.some((c) => c.from === undefined && c.sources.includes('package.json'))).toBe(true);
    const depsStage = dockerfile.find((stage) =>
      copies.some((c) => c.from === stageName(stage) && c.sources.some((s) => posix.basename(s) === 'node_modules')),
    );
    expect(all(depsStage ?? [], 'RUN').some((i) => /--omit=dev|npm prune/.test(i.args))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// .dockerignore

/** Docker's matching, simplified: `*`, `?`, `**`, a match on a folder covers what is inside, `!` re-includes, the last match wins. */
function dockerIgnored(path: string, patterns: string[]): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = posix.normalize((negate ? raw.slice(1) : raw).replace(/^\/+/, '')).replace(/\/+$/, '');
    const source = pattern
      .split('')
      .map((ch, i, chars) => {
        if (ch === '*') return chars[i + 1] === '*' ? '' : chars[i - 1] === '*' ? '.*' : '[^/]*';
        if (ch === '?') return '[^/]';
        return ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      })
      .join('');
    if (new RegExp(`^${source}(/.*)?$`).test(path)) ignored = !negate;
  }
  return ignored;
}

describe('.dockerignore', () => {
  const patterns = read('.dockerignore')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

  it('keeps every file the Dockerfile copies from the build context', () => {
    const sources = dockerfile
      .flat()
      .filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')
      .map(parseCopy)
      .filter((c) => c.from === undefined)
      .flatMap((c) => c.sources.map((s) => posix.normalize(s).replace(/\/+$/, '')));
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src']));
    for (const source of sources) {
      expect({ source, exists: existsSync(join(ROOT, source)) }).toEqual({ source, exists: true });
      expect({ source, ignored: dockerIgnored(source, patterns) }).toEqual({ source, ignored: false });
    }
    // The CSV assets `nest build` copies into dist/ sit under src/ too.
    expect(dockerIgnored('src/market-data/providers/data/sp500-constituents.csv', patterns)).toBe(false);
  });

  it('leaves out what must not reach the image', () => {
    for (const path of ['node_modules', 'dist', '.git', '.env', 'coverage']) {
      expect({ path, ignored: dockerIgnored(path, patterns) }).toEqual({ path, ignored: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// .env.example

describe('.env.example', () => {
  const lines = read('.env.example').split(/\r?\n/);
  const entries = lines
    .map((line) => /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1], value: m[2].trim() }));
  const names = entries.map((e) => e.name);

  it('lists every EnvSchema variable exactly once, and nothing else', () => {
    expect(SCHEMA_VARS.size).toBeGreaterThan(10);
    expect(SCHEMA_VARS.has('PORT')).toBe(true);
    expectSchemaVars(names);
    expect([...SCHEMA_VARS].filter((name) => !names.includes(name))).toEqual([]);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });

  it('changes nothing when copied to .env, even with every line uncommented', () => {
    const source = Object.fromEntries(entries.map((e) => [e.name, e.value]));
    expectValidEnv(source);
    expect(buildAllConfig(validateEnv(source))).toEqual(buildAllConfig(validateEnv({})));
  });

  it('documents the default port the Dockerfile exposes', () => {
    expect(entries.find((e) => e.name === 'PORT')?.value).toBe(String(APP_DEFAULT_PORT));
  });
});

// ---------------------------------------------------------------------------------------------
// Kubernetes

interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}
interface Probe {
  httpGet?: { path: string; port: number | string };
  periodSeconds?: number;
}
interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[] };
}
interface Deployment {
  kind: string;
  metadata: Meta;
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        containers: Container[];
        securityContext?: SecurityContext;
        terminationGracePeriodSeconds?: number;
        enableServiceLinks?: boolean;
        topologySpreadConstraints?: unknown[];
        affinity?: { podAntiAffinity?: unknown };
      };
    };
  };
}
interface Service {
  metadata: Meta;
  spec: { type?: string; selector: Record<string, string>; ports: { port: number; targetPort: number | string }[] };
}
interface Hpa {
  apiVersion: string;
  metadata: Meta;
  spec: {
    scaleTargetRef: { kind: string; name: string };
    minReplicas: number;
    maxReplicas: number;
    metrics: { resource?: { name: string; target: { averageUtilization?: number } } }[];
  };
}
interface Pdb {
  metadata: Meta;
  spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } };
}

const namespace = readYaml<{ kind: string; metadata: Meta }>('k8s/namespace.yaml');
const configMap = readYaml<{ kind: string; metadata: Meta; data: Record<string, unknown> }>('k8s/configmap.yaml');
const secret = readYaml<{ kind: string; metadata: Meta; stringData?: Record<string, unknown>; data?: Record<string, string> }>(
  'k8s/secret.example.yaml',
);
const deployment = readYaml<Deployment>('k8s/deployment.yaml');
const service = readYaml<Service>('k8s/service.yaml');
const hpa = readYaml<Hpa>('k8s/hpa.yaml');
const pdb = readYaml<Pdb>('k8s/pdb.yaml');
const container = deployment.spec.template.spec.containers[0];

/** A probe's or Service's port, by number or by the container port's name. */
function containerPort(port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

describe('k8s manifests', () => {
  it('put everything in the namespace of namespace.yaml', () => {
    expect(namespace.kind).toBe('Namespace');
    for (const object of [configMap, secret, deployment, service, hpa, pdb]) {
      expect({ name: object.metadata.name, namespace: object.metadata.namespace }).toEqual({
        name: object.metadata.name,
        namespace: namespace.metadata.name,
      });
    }
  });

  it('configmap: every key is an EnvSchema variable, every value a string the service accepts', () => {
    const keys = Object.keys(configMap.data);
    expect(keys.length).toBeGreaterThan(0);
    expectSchemaVars(keys);
    expect(Object.entries(configMap.data).filter(([, v]) => typeof v !== 'string')).toEqual([]);
    expectValidEnv(configMap.data as EnvSource);
    // Secrets belong in the Secret.
    expect(keys).not.toEqual(expect.arrayContaining(['REDIS_PASSWORD']));
    expect(keys).not.toEqual(expect.arrayContaining(['ADMIN_API_KEY']));
  });

  it('secret example: EnvSchema variables with placeholder values that still pass validation', () => {
    expect(secret.kind).toBe('Secret');
    const data = secret.stringData ?? {};
    expectSchemaVars(Object.keys(data));
    expect(Object.keys(data)).toEqual(expect.arrayContaining(['REDIS_PASSWORD', 'ADMIN_API_KEY']));
    expect(Object.values(data).every((v) => typeof v === 'string' && v.startsWith('change-me'))).toBe(true);
    expectValidEnv({ ...(configMap.data as EnvSource), ...(data as EnvSource) });
  });

  it('deployment: envFrom names the ConfigMap and the Secret; explicit env is valid too', () => {
    const refs = container.envFrom ?? [];
    expect(refs.map((r) => r.configMapRef?.name).filter(Boolean)).toEqual([configMap.metadata.name]);
    expect(refs.map((r) => r.secretRef?.name).filter(Boolean)).toEqual([secret.metadata.name]);
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
    const appEnv = Object.fromEntries(Object.entries(env).filter(([name]) => SCHEMA_VARS.has(name)));
    expectValidEnv({ ...(configMap.data as EnvSource), ...appEnv });
    // Service links would inject e.g. REDIS_PORT=tcp://... for a Service named `redis` and fail validation.
    expect(deployment.spec.template.spec.enableServiceLinks).toBe(false);
  });

  it('deployment: the container port is the one the Dockerfile exposes and the app listens on', () => {
    const ports = (container.ports ?? []).map((p) => p.containerPort);
    expect(ports).toEqual(exposedPorts);
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
    const effectivePort = Number(env.PORT ?? configMap.data.PORT ?? parseEnv(runtime).PORT ?? APP_DEFAULT_PORT);
    expect(ports).toEqual([effectivePort]);
  });

  it('deployment: probes hit /health/live (liveness, startup) and a health route (readiness) on the container port', () => {
    const { livenessProbe, readinessProbe, startupProbe } = container;
    expect(livenessProbe?.httpGet?.path).toBe('/health/live');
    expect(startupProbe?.httpGet?.path).toBe('/health/live');
    expect(['/health', '/health/ready']).toContain(readinessProbe?.httpGet?.path);
    for (const probe of [livenessProbe, readinessProbe, startupProbe]) {
      expect(containerPort(probe?.httpGet?.port ?? -1)).toBe(exposedPorts[0]);
    }
  });

  it('deployment: every probe path answers 200 from the real app (without Redis)', async () => {
    const app = await startApp();
    const paths = [container.livenessProbe, container.readinessProbe, container.startupProbe].map((p) => String(p?.httpGet?.path));
    for (const path of new Set(paths)) {
      const response = await app.inject({ method: 'GET', url: path });
      expect({ path, status: response.statusCode }).toEqual({ path, status: 200 });
    }
    // The Dockerfile HEALTHCHECK's route as well.
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });

  it('deployment: 3 replicas, resources, graceful stop, hardened non-root container, spread', () => {
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.replicas).toBe(3);
    expect(matches(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
    expect(container.resources?.requests).toEqual({ cpu: '250m', memory: '256Mi' });
    expect(container.resources?.limits).toEqual({ cpu: '1', memory: '512Mi' });

    expect(pod.terminationGracePeriodSeconds).toBe(30);
    const preStop = container.lifecycle?.preStop;
    const sleepSeconds = preStop?.sleep?.seconds ?? Number(preStop?.exec?.command.at(-1));
    expect(sleepSeconds).toBe(5);
    expect(sleepSeconds).toBeLessThan(pod.terminationGracePeriodSeconds ?? 30);

    const security = { ...pod.securityContext, ...container.securityContext };
    expect(security.runAsNonRoot).toBe(true);
    // runAsNonRoot needs a numeric user: the image's USER is the name `node`.
    expect(security.runAsUser).toBeGreaterThan(0);
    expect(security.readOnlyRootFilesystem).toBe(true);
    expect(security.allowPrivilegeEscalation).toBe(false);
    expect(security.capabilities?.drop).toContain('ALL');
    expect(Boolean(pod.topologySpreadConstraints?.length) || Boolean(pod.affinity?.podAntiAffinity)).toBe(true);
  });

  it('service: ClusterIP port 80 to the container port, selecting the pods', () => {
    expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
    expect(matches(service.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
    expect(service.spec.ports).toHaveLength(1);
    expect(service.spec.ports[0].port).toBe(80);
    expect(containerPort(service.spec.ports[0].targetPort)).toBe(exposedPorts[0]);
  });

  it('hpa scales the deployment on CPU 70 %, 3 to 10; the pdb lets one pod go at a time', () => {
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 10]);
    expect(hpa.spec.metrics).toEqual([
      expect.objectContaining({ resource: expect.objectContaining({ name: 'cpu', target: expect.objectContaining({ averageUtilization: 70 }) }) }),
    ]);
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);

    expect(pdb.spec.minAvailable).toBe(2);
    expect(matches(pdb.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
    // Otherwise a node drain could never evict a pod.
    expect(pdb.spec.minAvailable).toBeLessThan(hpa.spec.minReplicas);
  });
});

// ---------------------------------------------------------------------------------------------
// docker compose + nginx

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string | string[] };
  volumes?: string[];
  ports?: string[];
  deploy?: { replicas?: number };
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** `${VAR:-default}` / `${VAR-default}` / `${VAR}` as compose interpolates them with VAR unset. */
const interpolate = (value: string) => value.replace(/\$\{\w+(?::?-([^}]*))?\}/g, (_, fallback?: string) => fallback ?? '');

describe('docker/docker-compose.yml and docker/nginx.conf', () => {
  const compose = readYaml<Compose>('docker/docker-compose.yml');
  const services = Object.entries(compose.services);
  const apps = services.filter(([, s]) => s.build?.dockerfile === 'docker/Dockerfile');
  const redisEntry = services.find(([, s]) => s.image?.startsWith('redis:7'));
  const nginx = read('docker/nginx.conf');

  it('builds two app replicas from docker/Dockerfile with the repository root as context', () => {
    const replicas = apps.reduce((sum, [, s]) => sum + (s.deploy?.replicas ?? 1), 0);
    expect(replicas).toBe(2);
    for (const [, app] of apps) {
      const context = resolve(ROOT, 'docker', app.build?.context ?? '.');
      expect(context).toBe(ROOT);
      expect(existsSync(join(context, app.build?.dockerfile ?? ''))).toBe(true);
    }
  });

  it('runs Redis 7 with a password and append-only persistence on a named volume, with a ping healthcheck', () => {
    expect(redisEntry).toBeDefined();
    const [, redis] = redisEntry as [string, ComposeService];
    const command = Array.isArray(redis.command) ? redis.command.join(' ') : String(redis.command);
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--requirepass \S+/);
    const test = Array.isArray(redis.healthcheck?.test) ? redis.healthcheck.test.join(' ') : String(redis.healthcheck?.test);
    expect(test).toMatch(/redis-cli .*ping|ping.*redis-cli/);
    const volume = (redis.volumes ?? []).map((v) => v.split(':')).find(([, target]) => target === '/data');
    expect(volume).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain((volume as string[])[0]);
  });

  it('points each replica at that Redis, with its password, after Redis is healthy; env values are valid', () => {
    const [redisName, redis] = redisEntry as [string, ComposeService];
    const password = /--requirepass (\S+)/.exec((redis.command as string[]).join(' '))?.[1];
    for (const [, app] of apps) {
      const env = Object.fromEntries(
        Object.entries(app.environment ?? {}).map(([k, v]) => [k, interpolate(String(v ?? ''))]),
      );
      expectSchemaVars(Object.keys(env));
      expectValidEnv(env);
      expect(env.REDIS_URL).toBe(`redis://${redisName}:6379`);
      expect(String(app.environment?.REDIS_PASSWORD)).toBe(password);
      expect(app.depends_on?.[redisName]?.condition).toBe('service_healthy');
    }
  });

  it('balances both replicas behind one nginx port (8080 on the host)', () => {
    const upstream = /upstream\s+\w+\s*\{([^}]*)\}/.exec(nginx)?.[1] ?? '';
    const servers = [...upstream.matchAll(/^\s*server\s+([\w.-]+):(\d+)/gm)].map((m) => ({ host: m[1], port: Number(m[2]) }));
    expect(servers.map((s) => s.host).sort()).toEqual(apps.map(([name]) => name).sort());
    for (const server of servers) expect(server.port).toBe(exposedPorts[0]);
    for (const [, app] of apps) expect(Number(app.environment?.PORT ?? APP_DEFAULT_PORT)).toBe(exposedPorts[0]);

    const lb = services.find(([, s]) => (s.volumes ?? []).some((v) => v.startsWith('./nginx.conf:')));
    expect(lb).toBeDefined();
    const [, lbService] = lb as [string, ComposeService];
    const listen = Number(/^\s*listen\s+(\d+)/m.exec(nginx)?.[1]);
    expect(lbService.ports).toEqual([`8080:${listen}`]);
  });
});
