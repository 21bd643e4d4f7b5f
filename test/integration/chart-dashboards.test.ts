/**
 * The Grafana dashboards the chart ships (charts/pilotfish/dashboards/*.json):
 * each parses as a dashboard, and every panel query names only metrics — and
 * groups and filters only by labels — that the binaries' own registries
 * export, collected by building those registries in process (the cache
 * sidecar itself, on a memory store; the LLM proxy's, the queue's, the
 * controller's, the injector's and the app's instruments). A metric or label
 * renamed in the code fails here. The chart renders them as ConfigMaps with
 * the Grafana sidecar's discovery label, opt-in.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '#pkg/metrics/index.ts';
import { createCacheSidecar, type CacheSidecar } from '#pkg/cachesidecar/index.ts';
import { MemoryStore, parseTtlPolicy } from '#pkg/kv/index.ts';
import { LlmMetrics } from '#pkg/llm/index.ts';
import { queueInstruments } from '#pkg/queue/index.ts';
import { controllerMetrics } from '#pkg/autoscaler/index.ts';
import { injectorMetrics } from '#pkg/injector/index.ts';
import { AppMetrics } from '#pkg/app/index.ts';
import { createLogger } from '#pkg/log/index.ts';
import { CHART, HELM_SUITE, helm, render, type Obj } from './chart-helm.ts';

const DIR = join(CHART, 'dashboards');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const dashboards = Object.fromEntries(FILES.map((f) => [f, JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Obj]));

/** Labels Prometheus adds when it scrapes (target and ServiceMonitor labels), plus histogram buckets' `le`. */
const SCRAPE_LABELS = ['namespace', 'pod', 'instance', 'job', 'service', 'container', 'endpoint', 'pilotfish_component', 'le'];
/** PromQL words that are not metric names: aggregations, functions, modifiers. */
const PROMQL_WORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset',
  'rate', 'irate', 'increase', 'delta', 'histogram_quantile', 'max_over_time', 'min_over_time', 'avg_over_time', 'clamp_min', 'clamp_max', 'abs', 'time', 'vector', 'topk', 'bottomk',
]);

/** What one PromQL expression uses: metric names, and label names in matchers and `by (…)`. */
function promqlNames(expr: string): { metrics: string[]; labels: string[] } {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const labels: string[] = [];
  const noMatchers = noStrings.replace(/\{([^}]*)\}/g, (_m, inner: string) => {
    for (const m of inner.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)/g)) labels.push(m[1]);
    return ' ';
  });
  const noGroups = noMatchers.replace(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g, (_m, inner: string) => {
    labels.push(...inner.split(',').map((s) => s.trim()).filter(Boolean));
    return ' ';
  });
  const noRanges = noGroups.replace(/\[[^\]]*\]/g, ' ');
  const words = [...noRanges.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)].map((m) => m[0]);
  return { metrics: words.filter((w) => !PROMQL_WORDS.has(w)), labels };
}

function panelsOf(d: Obj): Obj[] {
  return (d.panels as Obj[]).flatMap((p) => [p, ...(p.panels ?? [])]);
}

function queriesOf(d: Obj): { panel: string; expr: string }[] {
  return panelsOf(d).flatMap((p) => (p.targets ?? []).map((t: Obj) => ({ panel: p.title as string, expr: t.expr as string })));
}

describe('Grafana dashboards', () => {
  /** Exported series name → its label names. */
  const exported = new Map<string, string[]>();
  let sidecar: CacheSidecar;

  beforeAll(async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const logger = createLogger({ name: 'dashboards-test', level: 'silent' });
    sidecar = createCacheSidecar({ store: new MemoryStore(), policy: parseTtlPolicy(undefined), metrics, logger });
    new LlmMetrics(metrics);
    queueInstruments(metrics);
    controllerMetrics(metrics);
    injectorMetrics(metrics);
    new AppMetrics(metrics);
    for (const m of await metrics.registry.getMetricsAsJSON()) {
      // prom-client's metrics carry labelNames; pkg/queue's FastHistogram keeps them in its spec.
      const metric = metrics.registry.getSingleMetric(m.name) as unknown as { labelNames?: string[]; spec?: { labelNames?: string[] } };
      const labelNames = metric.labelNames ?? metric.spec?.labelNames;
      if (!labelNames) throw new Error(`cannot tell the label names of ${m.name}`);
      const names = String(m.type) === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => m.name + s) : [m.name];
      for (const n of names) exported.set(n, labelNames);
    }
  });
  afterAll(async () => { await sidecar?.close(); });

  it('the registries export what the dashboards are about', () => {
    for (const name of ['cache_requests_total', 'cache_backend_up', 'cache_upstash_requests_total', 'llm_circuit_state', 'bullmq_queue_ready_backlog', 'queue_autoscaler_desired_replicas', 'app_cache_outcomes_total']) {
      expect(exported.has(name), name).toBe(true);
    }
    expect(exported.get('cache_requests_total')).toEqual(expect.arrayContaining(['op', 'result', 'scope']));
  });

  it('reads PromQL as intended: metrics, matcher labels and grouping labels apart', () => {
    expect(promqlNames('sum by (scope) (rate(cache_requests_total{op="get",result=~"hit|miss"}[$__rate_interval])) / sum(rate(x_total[5m]))')).toEqual({
      metrics: ['cache_requests_total', 'x_total'], labels: ['op', 'result', 'scope'],
    });
    expect(promqlNames('histogram_quantile(0.95, sum by (le, queue) (rate(bullmq_queue_lag_seconds_bucket{queue=~"$queue"}[5m])))').metrics).toEqual(['bullmq_queue_lag_seconds_bucket']);
  });

  it.each(FILES)('%s is a dashboard: uid, title, unique panel ids, a Prometheus data source variable, panels on the 24-column grid', (file) => {
    const d = dashboards[file];
    expect(d.uid).toMatch(/^pilotfish-[a-z-]+$/);
    expect(d.title).toMatch(/^Pilotfish \/ /);
    const panels = panelsOf(d);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    expect(d.templating.list.find((v: Obj) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const p of panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type !== 'row') expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
  });

  it('every uid is distinct', () => {
    expect(new Set(Object.values(dashboards).map((d) => d.uid)).size).toBe(FILES.length);
  });

  it.each(FILES)('%s: every query uses only exported metrics, and only labels those metrics carry', (file) => {
    const d = dashboards[file];
    const queries = [...queriesOf(d), ...d.templating.list.filter((v: Obj) => v.type === 'query').map((v: Obj) => ({ panel: `$${v.name}`, expr: v.definition as string }))];
    expect(queries.length).toBeGreaterThan(5);
    for (const { panel, expr } of queries) {
      const { metrics, labels } = promqlNames(expr.replace(/^label_values\((.*),\s*\w+\)$/, '$1'));
      expect(metrics.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      expect(metrics.filter((m) => !exported.has(m)), `${panel}: metrics no binary exports`).toEqual([]);
      const known = new Set([...SCRAPE_LABELS, ...metrics.flatMap((m) => exported.get(m)!)]);
      expect(labels.filter((l) => !known.has(l)), `${panel}: labels its metrics lack`).toEqual([]);
    }
  });

  it('cover what issue 13 asks of each', () => {
    const uses = (file: string) => new Set(queriesOf(dashboards[file]).flatMap((q) => promqlNames(q.expr).metrics));
    expect([...uses('cache-sidecar.json')]).toEqual(expect.arrayContaining([
      'cache_requests_total', 'app_cache_outcomes_total', 'cache_request_duration_seconds_bucket', 'cache_backend_up', 'cache_errors_total',
    ]));
    expect([...uses('llm-proxy.json')]).toEqual(expect.arrayContaining([
      'llm_requests_total', 'llm_tokens_total', 'llm_request_duration_seconds_bucket', 'llm_time_to_first_token_seconds_bucket', 'llm_circuit_state', 'llm_fallbacks_total',
    ]));
    expect([...uses('queues.json')]).toEqual(expect.arrayContaining([
      'bullmq_queue_ready_backlog', 'bullmq_queue_oldest_ready_job_age_seconds', 'bullmq_queue_lag_seconds_bucket', 'bullmq_jobs_processed_total', 'bullmq_job_errors_total',
      'queue_autoscaler_desired_replicas', 'queue_autoscaler_scale_events_total',
    ]));
    // LLM panels are split per provider.
    expect(queriesOf(dashboards['llm-proxy.json']).filter((q) => /by \([^)]*provider/.test(q.expr)).length).toBeGreaterThanOrEqual(5);
  });
});

// promtool (Debian: apt-get install -y prometheus; or PROMTOOL=/path/to/promtool) parses every query as Prometheus would.
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const hasPromtool = spawnSync(PROMTOOL, ['--version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasPromtool)('dashboard queries under promtool', () => {
  it('parse as PromQL once Grafana has put in its variables', () => {
    const grafana = (expr: string) => expr.replaceAll('$__rate_interval', '5m').replace(/\$(namespace|queue|datasource)\b/g, '.*');
    const rules = FILES.flatMap((f) => queriesOf(dashboards[f]).map((q, i) => ({ record: `dashboard:${f.replace(/\W/g, '_')}:${i}`, expr: grafana(q.expr) })));
    expect(rules.length).toBeGreaterThan(30);
    const dir = mkdtempSync(join(tmpdir(), 'dashboards-'));
    try {
      const file = join(dir, 'rules.yaml');
      writeFileSync(file, stringifyYaml({ groups: [{ name: 'dashboards', rules }] }));
      const r = spawnSync(PROMTOOL, ['check', 'rules', file], { encoding: 'utf8' });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`${rules.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!helm)('dashboards in the chart', HELM_SUITE, () => {
  it('are off by default', () => {
    expect(render().filter((d) => d.kind === 'ConfigMap' && d.metadata.name.includes('dashboard'))).toEqual([]);
  });

  it('render one ConfigMap per file, with the sidecar\'s discovery label (configurable), holding the file as is', () => {
    const on = render('--set', 'grafanaDashboards.enabled=true').filter((d) => d.kind === 'ConfigMap' && d.metadata.labels?.grafana_dashboard);
    expect(on.map((c) => Object.keys(c.data)[0]).sort()).toEqual(FILES);
    for (const cm of on) {
      expect(cm.metadata.labels.grafana_dashboard).toBe('1');
      expect(cm.metadata.namespace).toBe('apps');
      const file = Object.keys(cm.data)[0];
      expect(JSON.parse(cm.data[file])).toEqual(dashboards[file]);
    }
    const custom = render('--set', 'grafanaDashboards.enabled=true', '--set', 'grafanaDashboards.label=team_dashboards', '--set', 'grafanaDashboards.labelValue=pilotfish',
      '--set', 'grafanaDashboards.namespace=monitoring', '--set', 'grafanaDashboards.annotations.grafana_folder=Pilotfish')
      .filter((d) => d.kind === 'ConfigMap' && d.metadata.labels?.team_dashboards);
    expect(custom).toHaveLength(FILES.length);
    for (const cm of custom) {
      expect(cm.metadata).toMatchObject({ namespace: 'monitoring', labels: { team_dashboards: 'pilotfish' }, annotations: { grafana_folder: 'Pilotfish' } });
      expect(cm.metadata.labels.grafana_dashboard).toBeUndefined();
    }
  });
});
