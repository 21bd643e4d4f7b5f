import { describe, expect, it } from 'vitest';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { Metrics } from './index.ts';

class TestReader extends MetricReader {
  protected override async onShutdown() {}
  protected override async onForceFlush() {}
}

async function collectOtel(reader: TestReader) {
  const { resourceMetrics } = await reader.collect();
  return (resourceMetrics as ResourceMetrics).scopeMetrics.flatMap((s) => s.metrics);
}

function setup() {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const metrics = new Metrics({ meter: provider.getMeter('test'), defaultMetrics: false });
  return { reader, metrics };
}

describe('Metrics', () => {
  it('records each counter event once in Prometheus and once in OTel', async () => {
    const { reader, metrics } = setup();
    const c = metrics.counter({
      name: 'things_total', help: 'things', labelNames: ['op', 'result'],
      otel: { name: 'things', attributes: { op: 'thing.op' } },
    });
    c.inc({ op: 'get', result: 'hit' });
    c.bind({ op: 'get', result: 'hit' }).inc(2);
    c.inc({ op: 'set', result: 'ok' }, 5);

    const text = await metrics.text();
    expect(text).toContain('things_total{op="get",result="hit"} 3');
    expect(text).toContain('things_total{op="set",result="ok"} 5');

    const [otel] = await collectOtel(reader);
    expect(otel.descriptor.name).toBe('things');
    const points = otel.dataPoints.map((p) => ({ attrs: p.attributes, value: p.value }));
    expect(points).toContainEqual({ attrs: { 'thing.op': 'get', result: 'hit' }, value: 3 });
    expect(points).toContainEqual({ attrs: { 'thing.op': 'set', result: 'ok' }, value: 5 });
  });

  it('bound counters: one series however often a label set is bound, every increment counted once across scrapes', async () => {
    const { metrics } = setup();
    const c = metrics.counter({ name: 'hits_total', help: 'hits', labelNames: ['scope'] });
    const a = c.bind({ scope: 's' });
    const b = c.bind({ scope: 's' });
    a.inc();
    b.inc(2);
    expect(await metrics.text()).toContain('hits_total{scope="s"} 3');
    // A second scrape adds nothing that was already reported.
    expect(await metrics.text()).toContain('hits_total{scope="s"} 3');
    a.inc(4);
    c.inc({ scope: 's' });
    expect(await metrics.text()).toContain('hits_total{scope="s"} 8');
    expect(((await metrics.registry.getSingleMetric('hits_total')!.get()).values[0]).value).toBe(8);
  });

  it('a bound counter refuses a negative or non-finite increment at once, and it is not counted', async () => {
    const { metrics } = setup();
    const c = metrics.counter({ name: 'errs_total', help: 'errs', labelNames: ['kind'] }).bind({ kind: 'x' });
    c.inc(1);
    expect(() => c.inc(-1)).toThrow(TypeError);
    expect(() => c.inc(Number.NaN)).toThrow(TypeError);
    expect(() => c.inc(Infinity)).toThrow(TypeError);
    expect(await metrics.text()).toContain('errs_total{kind="x"} 1');
  });

  it('scales histogram values for OTel and keeps identical buckets', async () => {
    const { reader, metrics } = setup();
    const h = metrics.histogram({ name: 'ttl_seconds', help: 'ttl', labelNames: ['scope'], buckets: [1, 10, 60], otel: { name: 'ttl', unit: 'ms', scale: 1000 } });
    h.observe({ scope: 's' }, 5);
    h.bind({ scope: 's' }).observe(30);
    const text = await metrics.text();
    expect(text).toContain('ttl_seconds_bucket{le="10",scope="s"} 1');
    expect(text).toContain('ttl_seconds_sum{scope="s"} 35');
    const [otel] = await collectOtel(reader);
    const point = otel.dataPoints[0].value as { sum: number; count: number; buckets: { boundaries: number[] } };
    expect(point.sum).toBe(35_000);
    expect(point.count).toBe(2);
    expect(point.buckets.boundaries).toEqual([1000, 10_000, 60_000]);
  });

  it('reports gauges to OTel as the last value per series', async () => {
    const { reader, metrics } = setup();
    const g = metrics.gauge({ name: 'depth', help: 'depth', labelNames: ['queue'], otel: { name: 'queue.depth' } });
    g.set({ queue: 'a' }, 7);
    g.inc({ queue: 'a' }, 2);
    g.set({ queue: 'b' }, 1);
    g.remove({ queue: 'b' });
    expect(await metrics.text()).toContain('depth{queue="a"} 9');
    expect(await metrics.text()).not.toContain('queue="b"');
    const [otel] = await collectOtel(reader);
    expect(otel.dataPoints.map((p) => [p.attributes.queue, p.value])).toEqual([['a', 9]]);
  });
});
