import { existsSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { buildAllConfig } from '../../src/config/configuration';
import { validateEnv } from '../../src/config/load-env';
import {
  all,
  APP_DEFAULT_PORT,
  dockerfile,
  execForm,
  expectSchemaVars,
  expectValidEnv,
  exposedPorts,
  last,
  parseCopy,
  parseEnv,
  read,
  readYaml,
  ROOT,
  runtime,
  SCHEMA_VARS,
  stageName,
  workdir,
  type Copy,
  type Instruction,
} from '../support/deployment-files';

/**
 * The Docker files (Dockerfile, .dockerignore, docker compose, nginx) and .env.example agree with
 * the code: env variable names and values, the port, the health check route, the entry file.
 * The Kubernetes manifests are checked by k8s-manifests.e2e-spec.ts.
 */

// ---------------------------------------------------------------------------------------------
// Dockerfile

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
