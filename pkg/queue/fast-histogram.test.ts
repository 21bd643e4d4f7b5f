import { describe, expect, it } from 'vitest';
import { Metrics } from '../metrics/index.ts';
import { FastHistogram } from './fast-histogram.ts';

describe('FastHistogram', () => {
  it('exposes exactly what a prom-client histogram exposes for the same observations', async () => {
    const buckets = [0.1, 0.5, 1, 5];
    const fast = new Metrics({ defaultMetrics: false, defaultLabels: { component: 'w' } });
    const slow = new Metrics({ defaultMetrics: false, defaultLabels: { component: 'w' } });
    const f = new FastHistogram<'queue' | 'status'>(fast, { name: 'x_seconds', help: 'h', labelNames: ['queue', 'status'], buckets });
    const s = slow.histogram<'queue' | 'status'>({ name: 'x_seconds', help: 'h', labelNames: ['queue', 'status'], buckets });
    const values = [0.05, 0.1, 0.3, 0.7, 2, 9, 0];
    const fa = f.bind({ queue: 'a', status: 'ok' });
    const fb = f.bind({ queue: 'b', status: 'error' });
    for (const v of values) {
      fa.observe(v);
      s.observe({ queue: 'a', status: 'ok' }, v);
    }
    fb.observe(0.2);
    s.observe({ queue: 'b', status: 'error' }, 0.2);
    expect(await fast.text()).toBe(await slow.text());
  });

  it('ignores non-finite values and keeps one series per label set', async () => {
    const m = new Metrics({ defaultMetrics: false });
    const h = new FastHistogram<'q'>(m, { name: 'y_seconds', help: 'h', labelNames: ['q'], buckets: [1] });
    h.bind({ q: 'a' }).observe(Number.NaN);
    h.bind({ q: 'a' }).observe(0.5);
    const text = await m.text();
    expect(text).toContain('y_seconds_count{q="a"} 1');
    expect(text).toContain('y_seconds_bucket{le="1",q="a"} 1');
  });
});
