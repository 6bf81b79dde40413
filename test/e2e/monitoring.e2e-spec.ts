import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MetricsRegistry } from '../../src/metrics/metrics-registry';
import { startApp } from '../support/app.builder';
import { read, readYaml, ROOT } from '../support/deployment-files';
import { generatedFromFiles } from '../support/k8s-manifests';

/**
 * k8s/monitoring/: the Grafana dashboard and the Prometheus rules only use series the real app
 * exposes on /metrics (and labels those series are registered with); the rules pass `promtool check rules` and
 * their unit tests (`promtool test rules`) when promtool is installed (Debian: `prometheus`).
 */

const RULES = 'k8s/monitoring/alerts.rules.yaml';
const DASHBOARD = 'k8s/monitoring/grafana-dashboard.json';
const RULE_TESTS = 'test/monitoring/alerts.test.yaml';
/** Labels Prometheus adds at scrape time (and `le` of histogram buckets, which the exposition carries). */
const SCRAPE_LABELS = new Set(['job', 'instance']);

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string; refId: string }[];
}

const rules = readYaml<{ groups: { name: string; rules: Rule[] }[] }>(RULES).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(read(DASHBOARD)) as { uid: string; title: string; panels: Panel[]; templating: { list: { name: string }[] } };
const expressions = [
  ...rules.map((r) => ({ where: `${RULES} ${r.alert ?? r.record}`, expr: r.expr })),
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `${DASHBOARD} "${p.title}" ${t.refId}`, expr: t.expr }))),
];
const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));

/** Metric names of our service in a PromQL expression (recording rules excluded). */
const seriesIn = (expr: string) => [...new Set([...expr.matchAll(/\b(mc_[a-z0-9_]+)\b/g)].map((m) => m[1]))];
/** `name{label="..."}` selectors: the label names each matcher uses. */
const matchersIn = (expr: string) =>
  [...expr.matchAll(/\b(mc_[a-z0-9_]+)\{([^}]*)\}/g)].map((m) => ({ series: m[1], labels: [...m[2].matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]) }));

function promtool(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

describe('monitoring: Grafana dashboard and Prometheus rules', () => {
  it('every series they use is exposed by the real app, with the labels they select on', async () => {
    const app = await startApp();
    await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' });
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;

    // Declared series (`# TYPE`), with the names a histogram exposes.
    const exposed = new Set<string>();
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exposed.add(name + suffix);
      else exposed.add(name);
    }
    // Label names as registered (a labelled counter has no sample before its first increment).
    const labels = new Map<string, Set<string>>();
    for (const metric of app.get(MetricsRegistry).registry.getMetricsAsArray()) {
      const { name, labelNames = [] } = metric as unknown as { name: string; labelNames?: string[] };
      for (const exposedName of [name, `${name}_bucket`, `${name}_sum`, `${name}_count`]) labels.set(exposedName, new Set(exposedName.endsWith('_bucket') ? [...labelNames, 'le'] : labelNames));
    }
    expect(labels.get('mc_cache_hits_total')).toEqual(new Set(['tier', 'policy']));

    const used = expressions.flatMap(({ where, expr }) => seriesIn(expr).map((series) => ({ where, series })));
    expect(new Set(used.map((u) => u.series)).size).toBeGreaterThanOrEqual(15);
    expect(used.filter((u) => !exposed.has(u.series))).toEqual([]);

    const badLabels = expressions.flatMap(({ where, expr }) =>
      matchersIn(expr).flatMap(({ series, labels: selected }) =>
        selected.filter((l) => !SCRAPE_LABELS.has(l) && !labels.get(series)?.has(l)).map((label) => ({ where, series, label, known: [...(labels.get(series) ?? [])] })),
      ),
    );
    expect(badLabels).toEqual([]);

    // Recording rules used by other rules are defined here.
    const usedRecorded = expressions.flatMap(({ expr }) => [...expr.matchAll(/\b(mc:[a-z0-9_:]+)/g)].map((m) => m[1]));
    expect(usedRecorded.filter((name) => !recorded.has(name))).toEqual([]);
  });

  it('alerts cover hit rate collapse, breaker open, L2 latency, upstream errors and warmup failures, each with severity and summary', () => {
    const alerts = rules.filter((r) => r.alert);
    const byTopic = (pattern: RegExp) => alerts.filter((a) => pattern.test(a.expr)).map((a) => a.alert);
    expect(byTopic(/mc:cache_hit_ratio/)).toContain('MarketCacheHitRateCollapsed');
    expect(byTopic(/mc_cache_breaker_state/)).toContain('MarketCacheBreakerOpen');
    expect(byTopic(/mc_cache_l2_operation_duration_seconds_bucket/)).toContain('MarketCacheL2LatencyHigh');
    expect(byTopic(/mc:upstream_failure_ratio/)).toContain('MarketCacheUpstreamErrorRate');
    expect(byTopic(/mc_warmup_runs_total|mc_warmup_task_failures_total/)).toContain('MarketCacheWarmupFailed');
    for (const alert of alerts) {
      expect({ alert: alert.alert, severity: ['warning', 'critical'].includes(alert.labels?.severity ?? ''), summary: Boolean(alert.annotations?.summary) }).toEqual({
        alert: alert.alert,
        severity: true,
        summary: true,
      });
    }
  });

  it('the dashboard is importable: unique ids, every panel on the datasource variable, only defined variables', () => {
    expect(dashboard.uid).toBe('market-cache');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const variables = new Set(dashboard.templating.list.map((v) => v.name));
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect({ panel: panel.title, datasource: panel.datasource?.uid, targets: (panel.targets ?? []).length > 0 }).toEqual({ panel: panel.title, datasource: '${datasource}', targets: true });
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
    }
    const referenced = [...JSON.stringify(dashboard.panels).matchAll(/\$(?:\{)?([a-z_]+)/g)].map((m) => m[1]).filter((v) => !v.startsWith('_'));
    expect(referenced.filter((v) => !variables.has(v))).toEqual([]);
  });

  it('the kustomization turns both files into ConfigMaps (the dashboard labelled for Grafana’s sidecar)', () => {
    expect(generatedFromFiles().sort()).toEqual(['monitoring/alerts.rules.yaml', 'monitoring/grafana-dashboard.json']);
    for (const file of generatedFromFiles()) expect(existsSync(join(ROOT, 'k8s', file))).toBe(true);
    const kustomization = readYaml<{ configMapGenerator: { name: string; files: string[]; options?: { labels?: Record<string, string> } }[] }>('k8s/kustomization.yaml');
    const grafana = kustomization.configMapGenerator.find((g) => g.files.includes('monitoring/grafana-dashboard.json'));
    expect(grafana?.options?.labels?.grafana_dashboard).toBe('1');
  });

  const tool = promtool();
  const withPromtool = tool ? it : it.skip;
  if (!tool) console.warn('promtool not installed: `promtool check rules` / `test rules` skipped (Debian: apt-get install --no-install-recommends prometheus; .ci/run installs it)');

  withPromtool('promtool accepts the rules and their unit tests pass (each alert fires on its trouble, not on a healthy replica)', () => {
    const check = execFileSync(tool as string, ['check', 'rules', RULES], { cwd: ROOT, encoding: 'utf8' });
    expect(check).toMatch(new RegExp(`SUCCESS: ${rules.length} rules found`));
    const test = spawnSync(tool as string, ['test', 'rules', RULE_TESTS], { cwd: ROOT, encoding: 'utf8' });
    expect({ status: test.status, output: `${test.stdout}${test.stderr}` }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });
});
