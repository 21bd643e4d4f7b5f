import { describe, expect, it } from 'vitest';
import client from 'prom-client';
import { HistogramTally, seriesOf } from './histogram-tally.ts';
import { Metrics } from './index.ts';

const BUCKETS = [0.001, 0.01, 0.1, 1];
// On a bound, between bounds, past the last bound, zero and below it.
const VALUES = [0.0005, 0.001, 0.002, 0.01, 0.05, 0.5, 1, 3, 0, -2, 0.0099];

const exposition = async (registry: client.Registry, name: string) => registry.getSingleMetricAsString(name);

describe('HistogramTally', () => {
  // The contract with prom-client's internals (histogram-tally.ts): fails by name when an upgrade changes them.
  it('prom-client internals: a flushed tally exports exactly what prom-client exports for the same observations', async () => {
    const own = new client.Registry();
    const reference = new client.Histogram({ name: 'latency_seconds', help: 'h', labelNames: ['op', 'backend'], buckets: BUCKETS, registers: [own] });
    for (const v of VALUES) reference.labels({ op: 'get', backend: 'redis' }).observe(v);
    const expected = await exposition(own, 'latency_seconds');

    const metrics = new Metrics({ defaultMetrics: false });
    const bound = metrics.histogram({ name: 'latency_seconds', help: 'h', labelNames: ['op', 'backend'], buckets: BUCKETS }).bind({ op: 'get', backend: 'redis' });
    for (const v of VALUES) bound.observe(v);
    expect(await exposition(metrics.registry, 'latency_seconds')).toBe(expected);
    // Read twice: what was flushed is not added again.
    expect(await exposition(metrics.registry, 'latency_seconds')).toBe(expected);
  });

  it('prom-client internals: a series prom-client observed itself and a tally of the same labels add up', async () => {
    const own = new client.Registry();
    const reference = new client.Histogram({ name: 'ttl_seconds', help: 'h', labelNames: ['scope'], buckets: BUCKETS, registers: [own] });
    for (const v of [...VALUES, ...VALUES]) reference.observe({ scope: 's' }, v);

    const metrics = new Metrics({ defaultMetrics: false });
    const h = metrics.histogram({ name: 'ttl_seconds', help: 'h', labelNames: ['scope'], buckets: BUCKETS });
    const bound = h.bind({ scope: 's' });
    for (const v of VALUES) h.observe({ scope: 's' }, v);
    await metrics.text(); // a scrape between the two halves
    for (const v of VALUES) bound.observe(v);
    expect(await exposition(metrics.registry, 'ttl_seconds')).toBe(await exposition(own, 'ttl_seconds'));
  });

  it('a bound histogram refuses a non-finite value at once, and it is not counted', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const bound = metrics.histogram({ name: 'd_seconds', help: 'h', labelNames: ['op'], buckets: BUCKETS }).bind({ op: 'x' });
    bound.observe(0.5);
    expect(() => bound.observe(Number.NaN)).toThrow(TypeError);
    expect(() => bound.observe(Infinity)).toThrow(TypeError);
    const text = await metrics.text();
    expect(text).toContain('d_seconds_count{op="x"} 1');
    expect(text).toContain('d_seconds_sum{op="x"} 0.5');
  });

  it('binding with a label the histogram does not have fails at bind time, as prom-client does', () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const h = metrics.histogram({ name: 'e_seconds', help: 'h', labelNames: ['op'], buckets: BUCKETS });
    expect(() => h.bind({ op: 'x', nope: 'y' } as never)).toThrow(/label/i);
  });

  it('seriesOf names prom-client when its series record is not what the tally writes to', () => {
    const fake = { hashMap: { a: { labels: { op: 'x' }, sum: 'no' } }, zero: () => {} } as unknown as client.Histogram<string>;
    expect(() => seriesOf(fake, { op: 'x' })).toThrow(/prom-client internals changed/);
    const tally = new HistogramTally(BUCKETS, { op: 'x' });
    tally.observe(1);
    expect(() => tally.flush(fake)).toThrow(/prom-client internals changed/);
  });
});
