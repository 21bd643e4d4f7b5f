import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Metrics } from '../../pkg/metrics/index.ts';
import { queueInstruments } from '../../pkg/queue/index.ts';

interface Rule { record?: string; alert?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
const FILE = 'charts/pilotfish/files/prometheus/queue-rules.yaml';

describe('Prometheus queue rules', () => {
  const doc = parse(readFileSync(FILE, 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> };
  const rules = doc.groups.flatMap((g) => g.rules);

  it('parses as YAML into recording and alerting groups', () => {
    expect(doc.groups.map((g) => g.name)).toEqual(['pilotfish-queue-recording', 'pilotfish-queue-alerts']);
    for (const r of rules) {
      expect(typeof r.expr).toBe('string');
      expect(Boolean(r.record) !== Boolean(r.alert)).toBe(true);
      if (r.record) expect(r.record).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
      if (r.alert) {
        expect(r.labels?.severity).toMatch(/^(warning|critical)$/);
        expect(r.annotations?.summary).toBeTruthy();
      }
    }
    expect(new Set(rules.filter((r) => r.record).map((r) => r.record)).size).toBe(rules.filter((r) => r.record).length);
  });

  it('names only metrics that pkg/queue defines, and only recording rules that exist', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    queueInstruments(metrics);
    const defined = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
    for (const r of rules) {
      for (const [name] of r.expr.matchAll(/(?<![:\w])bullmq_[a-z_]+/g)) {
        expect(defined, `${name} in ${r.record ?? r.alert}`).toContain(name.replace(/_(bucket|sum|count)$/, ''));
      }
      for (const [name] of r.expr.matchAll(/\bqueue:[a-z_:0-9]+/g)) expect(recorded, `${name} in ${r.alert ?? r.record}`).toContain(name);
      // Balanced parentheses: a cheap guard against a broken edit.
      expect(r.expr.split('(').length, r.expr).toBe(r.expr.split(')').length);
    }
  });

  it('aggregates queue-side gauges with max, never sum', () => {
    const queueSide = /\bbullmq_queue_(?!lag_seconds)[a-z_]+/;
    for (const r of rules) {
      for (const m of r.expr.matchAll(/sum by \([^)]*\) \(([^()]*)\)/g)) expect(queueSide.test(m[1]) && !m[1].includes('collector_leader'), r.expr).toBe(false);
    }
  });
});

// promtool (Debian: apt-get install -y prometheus; or PROMTOOL=/path/to/promtool) checks the
// PromQL itself and unit-tests the rules on synthetic series. Skipped when it is not installed.
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const hasPromtool = spawnSync(PROMTOOL, ['--version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasPromtool)('Prometheus queue rules under promtool', () => {
  it('pass promtool check rules', () => {
    const r = spawnSync(PROMTOOL, ['check', 'rules', FILE], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('compute percentiles, ratios and max across pods, and fire the alerts they should', () => {
    const dir = mkdtempSync(join(tmpdir(), 'queue-rules-'));
    const file = join(dir, 'queue-rules.test.yaml');
    writeFileSync(file, PROMTOOL_TESTS.replace('RULES', resolve(FILE)));
    const r = spawnSync(PROMTOOL, ['test', 'rules', file], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});

// Two pods: lag observations all in (0.5, 1] s (p95 = 0.975 by interpolation); 9 completed
// and 1 retried attempt per 30 s (error ratio 0.1); both pods briefly export the collector's
// backlog (max, not sum: 5); no worker concurrency and no collector leader (both alerts fire).
const PROMTOOL_TESTS = `rule_files:
  - RULES
evaluation_interval: 30s
tests:
  - interval: 30s
    input_series:
      - series: 'bullmq_queue_lag_seconds_bucket{queue="render",pod="a",le="0.5"}'
        values: '0+0x40'
      - series: 'bullmq_queue_lag_seconds_bucket{queue="render",pod="a",le="1"}'
        values: '0+10x40'
      - series: 'bullmq_queue_lag_seconds_bucket{queue="render",pod="a",le="+Inf"}'
        values: '0+10x40'
      - series: 'bullmq_jobs_processed_total{queue="render",pod="a",outcome="completed"}'
        values: '0+9x40'
      - series: 'bullmq_jobs_processed_total{queue="render",pod="b",outcome="retried"}'
        values: '0+1x40'
      - series: 'bullmq_queue_ready_backlog{queue="render",pod="a"}'
        values: '5x40'
      - series: 'bullmq_queue_ready_backlog{queue="render",pod="b"}'
        values: '5x40'
      - series: 'bullmq_queue_collector_leader{queue="render",pod="a"}'
        values: '0x40'
    promql_expr_test:
      - expr: round(queue:bullmq_queue_lag_seconds:p95_5m, 0.001)
        eval_time: 10m
        exp_samples:
          - labels: '{queue="render"}'
            value: 0.975
      - expr: round(queue:bullmq_job_error_ratio:rate5m, 0.001)
        eval_time: 10m
        exp_samples:
          - labels: '{queue="render"}'
            value: 0.1
      - expr: queue:bullmq_queue_ready_backlog:max
        eval_time: 10m
        exp_samples:
          - labels: 'queue:bullmq_queue_ready_backlog:max{queue="render"}'
            value: 5
      - expr: queue:bullmq_queue_ready_backlog_per_slot:ratio
        eval_time: 10m
        exp_samples:
          - labels: 'queue:bullmq_queue_ready_backlog_per_slot:ratio{queue="render"}'
            value: 5
    alert_rule_test:
      - eval_time: 10m
        alertname: BullMQQueueNoWorkers
        exp_alerts:
          - exp_labels: { severity: critical, queue: render }
            exp_annotations:
              summary: 'Queue render: 5 ready jobs and no worker'
              description: 'No instrumented worker reports concurrency for a queue with a ready backlog (scale-from-zero did not happen?).'
      - eval_time: 10m
        alertname: BullMQQueueCollectorMissing
        exp_alerts:
          - exp_labels: { severity: warning, queue: render }
            exp_annotations:
              summary: 'Queue render: no elected collector'
              description: 'No pod holds the collector lock (Redis unreachable?): bullmq_queue_* gauges and the desired-workers hint are missing.'
      - eval_time: 10m
        alertname: BullMQQueueErrorRatioHigh
        exp_alerts: []
`;
