import { describe, expect, it } from 'vitest';
import client from 'prom-client';
import { COLLECTORS_BUT_GC, GC_METRIC, collectProcessMetrics } from './default-metrics.ts';
import { Metrics } from './index.ts';

const namesOf = async (registry: client.Registry) => (await registry.getMetricsAsJSON()).map((m) => m.name).sort();

describe('process metrics', () => {
  // The contract with prom-client's internals (default-metrics.ts): fails by name when an upgrade changes them.
  it('prom-client internals: collectDefaultMetrics runs exactly the collectors default-metrics.ts imports, plus gc', () => {
    expect([...Object.keys(COLLECTORS_BUT_GC), 'gc'].sort()).toEqual([...client.collectDefaultMetrics.metricsList].sort());
    for (const [name, collect] of Object.entries(COLLECTORS_BUT_GC)) expect(typeof collect, name).toBe('function');
  });

  it('prom-client internals: without gc, every default metric but nodejs_gc_duration_seconds is registered', async () => {
    const all = new client.Registry();
    client.collectDefaultMetrics({ register: all });
    const butGc = new client.Registry();
    collectProcessMetrics(butGc, { gc: false });
    const expected = (await namesOf(all)).filter((name) => name !== GC_METRIC);
    expect(await namesOf(all)).toContain(GC_METRIC);
    expect(await namesOf(butGc)).toEqual(expected);
  });

  it('without gc the collectors still measure the process', async () => {
    const metrics = new Metrics({ gcMetrics: false });
    // The CPU counter starts with the collector: spend some, so a fast machine cannot read 0.
    const until = performance.now() + 5;
    while (performance.now() < until);
    const text = await metrics.text();
    expect(text).not.toContain(GC_METRIC);
    const cpu = /^process_cpu_user_seconds_total (\S+)$/m.exec(text);
    expect(Number(cpu?.[1])).toBeGreaterThan(0);
    const rss = /^process_resident_memory_bytes (\S+)$/m.exec(text);
    expect(Number(rss?.[1])).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('keeps nodejs_gc_duration_seconds by default', async () => {
    expect(await new Metrics().text()).toContain(`# TYPE ${GC_METRIC} histogram`);
  });
});
