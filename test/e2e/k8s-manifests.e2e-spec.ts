import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readCredentialsFile } from '../../src/auth/credentials-file';
import { buildAppConfig } from '../../src/config/app.config';
import { validateEnv, type EnvSource } from '../../src/config/load-env';
import { startApp } from '../support/app.builder';
import { APP_DEFAULT_PORT, expectSchemaVars, expectValidEnv, exposedPorts, parseEnv, readYaml, runtime, SCHEMA_VARS } from '../support/deployment-files';
import { registeredRoutes } from '../support/fastify-routes';
import * as k8s from '../support/k8s-manifests';

/**
 * Every manifest under k8s/ (multi-document files too) parses, validates against the Kubernetes
 * schemas, is listed by the kustomization, and agrees with the app: probe routes exist in the real
 * app, ports match the Dockerfile and the app default, every env name is an EnvSchema variable,
 * the stop fits the grace period, the NetworkPolicy selects the pods, the Sentinel set is wired.
 */

/** Read by node itself, not by the app, so not in EnvSchema. */
const RUNTIME_VARS = new Set(['NODE_OPTIONS']);
/** The example Secrets are documented but never applied (their placeholders would overwrite the real ones). */
const NOT_IN_KUSTOMIZATION = ['secret.example.yaml', 'client-credentials.example.yaml'];
/** Redis close (≤ 1 s) and process exit after the drain, with room to spare. */
const STOP_MARGIN_SECONDS = 5;

const manifests = k8s.loadManifests();
const namespace = k8s.only(manifests, 'Namespace');
const configMap = k8s.only(manifests, 'ConfigMap', 'market-cache-config');
const appEnv = configMap.data as EnvSource;
const secret = k8s.only(manifests, 'Secret', 'market-cache-secrets');
const secretData = (secret.stringData ?? {}) as EnvSource;
const deployment = k8s.only<k8s.Workload>(manifests, 'Deployment');
const pod = deployment.spec.template.spec;
const podLabels = deployment.spec.template.metadata.labels;
const container = pod.containers[0];
const service = k8s.only<k8s.ServiceSpec>(manifests, 'Service', deployment.metadata.name);
const appPolicy = k8s.only<k8s.NetworkPolicySpec>(manifests, 'NetworkPolicy', deployment.metadata.name);
const redis = k8s.only<k8s.Workload>(manifests, 'StatefulSet');
const redisLabels = redis.spec.template.metadata.labels;
const redisPolicy = k8s.only<k8s.NetworkPolicySpec>(manifests, 'NetworkPolicy', redis.metadata.name);
const port = (p: number | string | undefined) => k8s.resolvePort(p, pod.containers);
const envOf = (c: k8s.Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));

describe('k8s manifests: files', () => {
  it('parse (multi-document files too) into named objects, all in the namespace of namespace.yaml', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(12);
    for (const { file, object } of manifests) {
      expect({ file, ok: Boolean(object.apiVersion && object.kind && object.metadata?.name) }).toEqual({ file, ok: true });
      if (object.kind !== 'Namespace') expect({ file, namespace: object.metadata.namespace }).toEqual({ file, namespace: namespace.metadata.name });
    }
  });

  it('validate against the Kubernetes schemas (kubernetes-models)', () => {
    const problems = manifests.map(({ file, object }) => ({ file, kind: object.kind, problem: k8s.schemaProblem(object) })).filter((p) => p.problem);
    expect(problems).toEqual([]);
  });

  it('kustomization.yaml lists every manifest file but the example Secret, and only existing files', () => {
    const kustomization = readYaml<{ kind: string; namespace: string; resources: string[] }>('k8s/kustomization.yaml');
    expect(kustomization.kind).toBe('Kustomization');
    expect(kustomization.namespace).toBe(namespace.metadata.name);
    const expected = k8s.manifestFiles().filter((f) => !NOT_IN_KUSTOMIZATION.includes(f));
    expect([...kustomization.resources].sort()).toEqual(expected);
    expect(new Set(kustomization.resources).size).toBe(kustomization.resources.length);
  });
});

describe('k8s manifests: the app configuration', () => {
  it('configmap: every key is an EnvSchema variable, every value a string the service accepts, no secrets', () => {
    const keys = Object.keys(appEnv);
    expectSchemaVars(keys);
    expect(Object.entries(appEnv).filter(([, v]) => typeof v !== 'string')).toEqual([]);
    expectValidEnv(appEnv);
    expect(keys.filter((k) => ['REDIS_PASSWORD', 'ADMIN_API_KEY', 'POLYGON_API_KEY'].includes(k))).toEqual([]);
  });

  it('secret example: EnvSchema variables with placeholder values that still pass validation', () => {
    expectSchemaVars(Object.keys(secretData));
    expect(Object.keys(secretData)).toEqual(expect.arrayContaining(['REDIS_PASSWORD', 'ADMIN_API_KEY']));
    expect(Object.values(secretData).every((v) => typeof v === 'string' && v.startsWith('change-me'))).toBe(true);
    expectValidEnv({ ...appEnv, ...secretData });
  });

  it('deployment: envFrom names the ConfigMap and the Secret; every env name is an EnvSchema variable', () => {
    const refs = container.envFrom ?? [];
    expect(refs.map((r) => r.configMapRef?.name).filter(Boolean)).toEqual([configMap.metadata.name]);
    expect(refs.map((r) => r.secretRef?.name).filter(Boolean)).toEqual([secret.metadata.name]);
    const names = (container.env ?? []).map((e) => e.name);
    expectSchemaVars(names.filter((n) => !RUNTIME_VARS.has(n)));
    const explicit = Object.fromEntries((container.env ?? []).filter((e) => SCHEMA_VARS.has(e.name)).map((e) => [e.name, e.value]));
    expectValidEnv({ ...appEnv, ...secretData, ...explicit });
    // Service links would inject e.g. REDIS_PORT=tcp://... for a Service named `redis` and fail validation.
    expect(pod.enableServiceLinks).toBe(false);
  });
});

describe('k8s manifests: ports, probes, stop', () => {
  it('containerPort = Service targetPort = NetworkPolicy port = Dockerfile EXPOSE = the app default', () => {
    const effective = Number(envOf(container).PORT?.value ?? appEnv.PORT ?? parseEnv(runtime).PORT ?? APP_DEFAULT_PORT);
    expect(exposedPorts).toEqual([APP_DEFAULT_PORT]);
    expect((container.ports ?? []).map((p) => p.containerPort)).toEqual([APP_DEFAULT_PORT]);
    expect(effective).toBe(APP_DEFAULT_PORT);
    expect(service.spec.ports.map((p) => port(p.targetPort))).toEqual([APP_DEFAULT_PORT]);
    expect(appPolicy.spec.ingress.flatMap((r) => r.ports.map((p) => port(p.port)))).toEqual([APP_DEFAULT_PORT]);
    expect(Number(deployment.spec.template.metadata.annotations?.['prometheus.io/port'])).toBe(APP_DEFAULT_PORT);
  });

  it('probes: /health/live for liveness and startup, /health/ready for readiness, on the container port', () => {
    expect(container.livenessProbe?.httpGet?.path).toBe('/health/live');
    expect(container.startupProbe?.httpGet?.path).toBe('/health/live');
    expect(container.readinessProbe?.httpGet?.path).toBe('/health/ready');
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
      expect(port(probe?.httpGet?.port)).toBe(APP_DEFAULT_PORT);
    }
  });

  it('every probe path and the scrape path are GET routes of the real app and answer 200 (without Redis)', async () => {
    const app = await startApp();
    const routes = registeredRoutes(app.getHttpAdapter().getInstance());
    const probes = [container.livenessProbe, container.readinessProbe, container.startupProbe].map((p) => String(p?.httpGet?.path));
    const paths = [...new Set([...probes, String(deployment.spec.template.metadata.annotations?.['prometheus.io/path'])])];
    for (const path of paths) {
      expect({ path, routed: routes.some((r) => r.method === 'GET' && r.path === path) }).toEqual({ path, routed: true });
      const response = await app.inject({ method: 'GET', url: path });
      expect({ path, status: response.statusCode }).toEqual({ path, status: 200 });
    }
  });

  it('preStop + SHUTDOWN_DELAY_MS + SHUTDOWN_GRACE_MS + a margin fit in terminationGracePeriodSeconds', () => {
    const app = buildAppConfig(validateEnv({ ...appEnv, ...secretData }));
    const preStop = container.lifecycle?.preStop;
    const preStopSeconds = preStop?.sleep?.seconds ?? Number(preStop?.exec?.command.at(-1));
    expect(preStop?.exec?.command.slice(0, 1) ?? ['sleep']).toEqual(['sleep']);
    expect(preStopSeconds).toBeGreaterThan(0);
    expect(app.shutdownDelayMs).toBeGreaterThan(0);
    const stopSeconds = preStopSeconds + (app.shutdownDelayMs + app.shutdownGraceMs) / 1000 + STOP_MARGIN_SECONDS;
    expect(stopSeconds).toBeLessThanOrEqual(pod.terminationGracePeriodSeconds ?? 30);
  });
});

describe('k8s manifests: workload', () => {
  it('deployment: 3 replicas, resources, hardened non-root read-only container with a writable /tmp, spread', () => {
    expect(deployment.spec.replicas).toBe(3);
    expect(k8s.labelsMatch(deployment.spec.selector.matchLabels, podLabels)).toBe(true);
    expect(container.resources?.requests).toEqual({ cpu: '250m', memory: '256Mi' });
    expect(container.resources?.limits).toEqual({ cpu: '1', memory: '512Mi' });
    const security = { ...pod.securityContext, ...container.securityContext };
    expect(security).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    // runAsNonRoot needs a numeric user: the image's USER is the name `node`.
    expect(security.runAsUser).toBeGreaterThan(0);
    expect(security.capabilities?.drop).toContain('ALL');
    const tmp = container.volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    expect(Boolean(pod.topologySpreadConstraints?.length) || Boolean(pod.affinity?.podAntiAffinity)).toBe(true);
  });

  it('service, hpa and pdb select the pods; the pdb lets one pod go at a time', () => {
    const hpa = k8s.only<{ scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number }>(manifests, 'HorizontalPodAutoscaler');
    const pdb = k8s.only<{ minAvailable: number; selector: { matchLabels: Record<string, string> } }>(manifests, 'PodDisruptionBudget', deployment.metadata.name);
    expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
    expect(k8s.labelsMatch(service.spec.selector, podLabels)).toBe(true);
    expect(service.spec.ports[0].port).toBe(80);
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 10]);
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
    expect(k8s.labelsMatch(pdb.spec.selector.matchLabels, podLabels)).toBe(true);
    expect(pdb.spec.minAvailable).toBeLessThan(hpa.spec.minReplicas);
  });

  it('networkpolicy: selects the app pods; lets in HTTP only; lets out DNS, Redis and HTTPS only', () => {
    expect(k8s.labelsMatch(appPolicy.spec.podSelector.matchLabels, podLabels)).toBe(true);
    expect(appPolicy.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    const egress = appPolicy.spec.egress.map((rule) => ({ to: rule.to, ports: rule.ports.map((p) => `${p.port}/${p.protocol}`).sort() }));
    expect(egress.map((r) => r.ports)).toEqual([['26379/TCP', '6379/TCP'], ['53/TCP', '53/UDP'], ['443/TCP']]);
    expect(k8s.labelsMatch(egress[0].to[0].podSelector?.matchLabels, redisLabels)).toBe(true);
    // The Redis side lets the app's pods in, on both the server and the sentinel ports.
    const redisIngress = redisPolicy.spec.ingress.filter((r) => r.from.some((f) => !f.namespaceSelector && k8s.labelsMatch(f.podSelector?.matchLabels, podLabels)));
    expect(redisIngress.flatMap((r) => r.ports.map((p) => p.port)).sort()).toEqual([26379, 6379]);
    expect(k8s.labelsMatch(redisPolicy.spec.podSelector.matchLabels, redisLabels)).toBe(true);
  });
});

describe('k8s manifests: Redis Sentinel set', () => {
  const redisPod = redis.spec.template.spec;
  const server = redisPod.containers.find((c) => c.name === 'redis') as k8s.Container;
  const sentinel = redisPod.containers.find((c) => c.name === 'sentinel') as k8s.Container;
  const scripts = k8s.only(manifests, 'ConfigMap', redisPod.volumes?.find((v) => v.configMap)?.configMap?.name);

  it('a headless Service, persistent /data, one pod per node, a PDB keeping the quorum', () => {
    const headless = k8s.only<k8s.ServiceSpec>(manifests, 'Service', redis.spec.serviceName);
    expect(headless.spec.clusterIP).toBe('None');
    expect(k8s.labelsMatch(headless.spec.selector, redisLabels)).toBe(true);
    const claim = redis.spec.volumeClaimTemplates?.[0]?.metadata.name;
    expect(server.volumeMounts?.find((m) => m.name === claim)?.mountPath).toBe('/data');
    const anti = redisPod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    expect(anti.some((t) => t.topologyKey === 'kubernetes.io/hostname' && k8s.labelsMatch(t.labelSelector.matchLabels, redisLabels))).toBe(true);
    const pdb = k8s.only<{ minAvailable: number; selector: { matchLabels: Record<string, string> } }>(manifests, 'PodDisruptionBudget', redis.metadata.name);
    expect(k8s.labelsMatch(pdb.spec.selector.matchLabels, redisLabels)).toBe(true);
    const quorum = Number(envOf(sentinel).SENTINEL_QUORUM?.value);
    expect(quorum).toBeGreaterThan(redis.spec.replicas / 2);
    expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(quorum);
    expect(pdb.spec.minAvailable).toBeLessThan(redis.spec.replicas);
  });

  it('takes both passwords from the app Secret (the app sends them), runs non-root with a read-only root filesystem', () => {
    for (const c of [server, sentinel]) {
      for (const key of ['REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD']) {
        expect(envOf(c)[key]?.valueFrom?.secretKeyRef).toEqual({ name: secret.metadata.name, key });
        expect(secretData[key]).toBeDefined();
      }
      expect({ ...redisPod.securityContext, ...c.securityContext }).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
      expect(envOf(c).REDIS_REPLICAS?.value).toBe(String(redis.spec.replicas));
    }
    expect(redisPod.enableServiceLinks).toBe(false);
  });

  it('the app ConfigMap lists every sentinel pod and the master name the sentinels monitor', () => {
    const domain = `${redis.spec.serviceName}.${namespace.metadata.name}.svc.cluster.local`;
    const sentinelPort = sentinel.ports?.find((p) => p.name === 'sentinel')?.containerPort;
    const expected = Array.from({ length: redis.spec.replicas }, (_, i) => `${redis.metadata.name}-${i}.${domain}:${sentinelPort}`);
    expect(String(appEnv.REDIS_SENTINELS).split(',')).toEqual(expected);
    expect(appEnv.REDIS_SENTINEL_MASTER).toBe(envOf(sentinel).SENTINEL_MASTER_NAME?.value);
    expect(envOf(server).SENTINEL_MASTER_NAME?.value).toBe(envOf(sentinel).SENTINEL_MASTER_NAME?.value);
    expect(appEnv.REDIS_URL).toBeUndefined();
  });

  it('its start-up scripts exist in the ConfigMap and are valid sh', () => {
    const used = [server, sentinel].flatMap((c) => [...(c.command ?? []), ...(c.lifecycle?.preStop?.exec?.command ?? [])]);
    const files = used.filter((arg) => arg.startsWith('/scripts/')).map((arg) => arg.slice('/scripts/'.length));
    expect(files.sort()).toEqual(['prestop.sh', 'redis.sh', 'sentinel.sh']);
    for (const [name, text] of Object.entries(scripts.data ?? {})) {
      expect(() => execFileSync('sh', ['-n'], { input: String(text) })).not.toThrow();
      for (const sourced of String(text).matchAll(/^\. \/scripts\/(\S+)/gm)) expect({ name, sourced: sourced[1] in (scripts.data ?? {}) }).toEqual({ name, sourced: true });
    }
  });
});

describe('k8s manifests: client credentials (docs/SECURITY.md)', () => {
  const credentials = k8s.only(manifests, 'Secret', 'market-cache-client-credentials');
  type SecretVolume = { name: string; secret?: { secretName: string; optional?: boolean } };
  type Mount = { name: string; mountPath: string; readOnly?: boolean; subPath?: string };

  it('the example Secret holds a credentials file the app accepts, with placeholder secrets', () => {
    const text = String(credentials.stringData?.['credentials.json']);
    const dir = mkdtempSync(join(tmpdir(), 'k8s-creds-'));
    try {
      writeFileSync(join(dir, 'credentials.json'), text);
      const parsed = readCredentialsFile(join(dir, 'credentials.json'));
      expect(parsed.length).toBeGreaterThanOrEqual(3);
      expect(parsed.every((c) => c.secret.startsWith('change-me'))).toBe(true);
      // one caller shows a rotation: two secrets at once
      expect(parsed.filter((c) => c.name === 'risk-engine')).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is mounted read-only, whole directory (no subPath, so updates reach the pod), at the directory of CLIENT_CREDENTIALS_FILE', () => {
    const volume = (pod.volumes as SecretVolume[] | undefined)?.find((v) => v.secret?.secretName === credentials.metadata.name);
    expect(volume?.secret?.optional).toBe(true);
    const mount = (container.volumeMounts as Mount[] | undefined)?.find((m) => m.name === volume?.name);
    expect(mount).toMatchObject({ readOnly: true });
    expect(mount?.subPath).toBeUndefined();
    expect(dirname(String(appEnv.CLIENT_CREDENTIALS_FILE))).toBe(mount?.mountPath);
    expect(Object.keys(credentials.stringData ?? {})).toEqual([String(appEnv.CLIENT_CREDENTIALS_FILE).split('/').pop()]);
  });
});
