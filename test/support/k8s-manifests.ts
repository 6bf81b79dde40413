import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as models from 'kubernetes-models';
import { parse, parseAllDocuments } from 'yaml';
import { read, ROOT } from './deployment-files';

/** The fields of Kubernetes objects the manifest spec reads (the schemas check the rest). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, unknown>;
  stringData?: Record<string, unknown>;
}
export interface Probe {
  httpGet?: { path: string; port: number | string };
  exec?: { command: string[] };
}
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[] };
}
export interface Container {
  name: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string }[];
}
export interface PodSpec {
  containers: Container[];
  securityContext?: SecurityContext;
  terminationGracePeriodSeconds?: number;
  enableServiceLinks?: boolean;
  topologySpreadConstraints?: unknown[];
  affinity?: { podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } }[] } };
  volumes?: { name: string; emptyDir?: object; configMap?: { name: string } }[];
}
export interface Workload {
  replicas: number;
  serviceName?: string;
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
  volumeClaimTemplates?: { metadata: { name: string } }[];
}
export interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  selector: Record<string, string>;
  ports: { name?: string; port: number; targetPort: number | string }[];
}
export interface PeerRule {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string };
}
export interface NetworkPolicySpec {
  podSelector: { matchLabels: Record<string, string> };
  policyTypes: string[];
  ingress: { from: PeerRule[]; ports: { port: number | string; protocol: string }[] }[];
  egress: { to: PeerRule[]; ports: { port: number | string; protocol: string }[] }[];
}

export interface Manifest {
  /** Relative to k8s/, posix separators. */
  file: string;
  object: K8sObject;
}

export const K8S_DIR = join(ROOT, 'k8s');

/** Files the kustomization turns into ConfigMaps (`configMapGenerator`): data such as alert rules, not manifests. */
export function generatedFromFiles(): string[] {
  const kustomization = parse(read(join(relative(ROOT, K8S_DIR), 'kustomization.yaml'))) as { configMapGenerator?: { files?: string[] }[] };
  return (kustomization.configMapGenerator ?? []).flatMap((g) => g.files ?? []).map((f) => f.replace(/^[^=]*=/, ''));
}

/** Every `*.yaml` under k8s/ except the kustomization and the ConfigMap generators' inputs, relative to k8s/. */
export function manifestFiles(dir = K8S_DIR): string[] {
  const data = new Set(generatedFromFiles());
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((path) => path.split('\\').join('/'))
    .filter((path) => /\.ya?ml$/.test(path) && !/(^|\/)kustomization\.ya?ml$/.test(path) && !data.has(path))
    .sort();
}

/** Every document of every manifest (multi-document files too); a YAML error fails the load. */
export function loadManifests(): Manifest[] {
  return manifestFiles().flatMap((file) =>
    parseAllDocuments(read(join(relative(ROOT, K8S_DIR), file))).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return { file, object: doc.toJS() as K8sObject };
    }),
  );
}

type ModelClass = new (data: object) => { validate(): void };

/** The kubernetes-models class of an apiVersion/kind (`apps/v1` → `models.apps.v1`, `v1` → `models.v1`). */
function modelOf(apiVersion: string, kind: string): ModelClass | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const groupKey = group.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase());
  const tree = models as unknown as Record<string, Record<string, Record<string, ModelClass | undefined>>>;
  const versions = group === '' ? { [version]: tree[version] as unknown as Record<string, ModelClass | undefined> } : tree[groupKey];
  return versions?.[version]?.[kind];
}

/**
 * Validates against the Kubernetes OpenAPI schemas bundled by kubernetes-models (types, required
 * fields, enums, formats). Returns the problem, or undefined. Unknown fields are not reported: the
 * bundled schemas allow additional properties.
 */
export function schemaProblem(object: K8sObject): string | undefined {
  const Model = modelOf(object.apiVersion, object.kind);
  if (!Model) return `no schema for ${object.apiVersion} ${object.kind}`;
  try {
    new Model(object).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The one object of a kind (and name); throws when there is none or more than one. */
export function only<S = unknown>(manifests: Manifest[], kind: string, name?: string): K8sObject & { spec: S } {
  const found = manifests.filter((m) => m.object.kind === kind && (name === undefined || m.object.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''} under k8s/, found ${found.length}`);
  return found[0].object as K8sObject & { spec: S };
}

export const labelsMatch = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);

/** A port given by number or by a container port's name. */
export function resolvePort(port: number | string | undefined, containers: Container[]): number | undefined {
  if (typeof port === 'number') return port;
  return containers.flatMap((c) => c.ports ?? []).find((p) => p.name === port)?.containerPort;
}
