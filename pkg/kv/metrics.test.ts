import { describe, expect, it } from 'vitest';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { Metrics } from '#pkg/metrics/index.ts';
import { CacheMetrics } from './metrics.ts';

class TestReader extends MetricReader {
  protected override async onShutdown() {}
  protected override async onForceFlush() {}
}

function setup(maxScopes?: number) {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const metrics = new Metrics({ meter: provider.getMeter('test'), defaultMetrics: false });
  return { reader, metrics, cache: new CacheMetrics(metrics, { maxScopes }) };
}

describe('CacheMetrics', () => {
  it('records requests, errors, TTLs and durations once in each system', async () => {
    const { reader, metrics, cache } = setup();
    const get = cache.bound('get', 'redis', 'knowledge.search');
    get.hit.inc();
    get.hit.inc();
    cache.request('get', 'miss', 'redis', 'knowledge.search');
    cache.error('get', 'timeout', 'redis');
    cache.observeTtl('knowledge.search', 15_000);
    cache.durationOf('get', 'redis').observe(0.0004);

    const text = await metrics.text();
    expect(text).toContain('cache_requests_total{op="get",result="hit",backend="redis",scope="knowledge.search"} 2');
    expect(text).toContain('cache_requests_total{op="get",result="miss",backend="redis",scope="knowledge.search"} 1');
    expect(text).toContain('cache_errors_total{op="get",kind="timeout",backend="redis"} 1');
    expect(text).toContain('cache_ttl_seconds_sum{scope="knowledge.search"} 15');
    expect(text).toContain('cache_request_duration_seconds_count{op="get",backend="redis"} 1');

    const { resourceMetrics } = await reader.collect();
    const otel = (resourceMetrics as ResourceMetrics).scopeMetrics.flatMap((s) => s.metrics);
    const byName = new Map(otel.map((m) => [m.descriptor.name, m]));
    expect([...byName.keys()].sort()).toEqual(['cache.errors', 'cache.request.duration', 'cache.requests', 'cache.ttl']);
    expect(byName.get('cache.ttl')!.descriptor.unit).toBe('ms');
    const ttlPoint = byName.get('cache.ttl')!.dataPoints[0];
    expect((ttlPoint.value as { sum: number }).sum).toBe(15_000);
    expect(ttlPoint.attributes).toEqual({ 'cache.scope': 'knowledge.search' });
    const hits = byName.get('cache.requests')!.dataPoints.find((p) => p.attributes['cache.result'] === 'hit');
    expect(hits?.value).toBe(2);
    expect(byName.get('cache.errors')!.dataPoints[0].attributes['error.type']).toBe('timeout');
  });

  it('bounds scope cardinality', async () => {
    const { metrics, cache } = setup(2);
    for (const scope of ['a', 'b', 'c', 'd']) cache.request('get', 'hit', 'memory', scope);
    cache.request('get', 'hit', 'memory', 'a');
    const text = await metrics.text();
    expect(text).toContain('scope="a"} 2');
    expect(text).toContain('scope="_other"} 2');
    expect(text).not.toContain('scope="c"');
  });

  it('records GETs through the bound set into the same series, and bounds its scopes like the rest', async () => {
    const { metrics, cache } = setup(1);
    const a = cache.gets('redis', 'a');
    expect(cache.gets('redis', 'a')).toBe(a);
    a.hit.inc();
    cache.bound('get', 'redis', 'a').hit.inc();
    a.duration.observe(0.001);
    cache.gets('redis', 'b').miss.inc();
    cache.gets('redis', 'c').miss.inc();
    const text = await metrics.text();
    expect(text).toContain('cache_requests_total{op="get",result="hit",backend="redis",scope="a"} 2');
    expect(text).toContain('cache_requests_total{op="get",result="miss",backend="redis",scope="_other"} 2');
    expect(text).not.toContain('scope="b"');
    expect(text).toContain('cache_request_duration_seconds_count{op="get",backend="redis"} 1');
  });

  it('reuses bound counters', () => {
    const { cache } = setup();
    expect(cache.bound('get', 'redis', 's')).toBe(cache.bound('get', 'redis', 's'));
  });
});
