import { readFileSync } from 'node:fs';
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
