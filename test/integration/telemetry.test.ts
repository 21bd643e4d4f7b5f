import { afterAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Metrics, startTelemetry } from '#pkg/metrics/index.ts';

/** A stand-in OTLP/HTTP collector: records what the real exporters post. */
function collector() {
  const received: { path: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  return { server, received };
}

describe('startTelemetry', () => {
  const { server, received } = collector();
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('is a no-op without OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    const t = await startTelemetry({ serviceName: 'test', env: {} });
    expect(t.enabled).toBe(false);
    await t.shutdown();
  });

  it('exports metrics and traces over OTLP/HTTP when the endpoint is set', async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const t = await startTelemetry({ serviceName: 'pilotfish-test', env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_METRIC_EXPORT_INTERVAL: '60000' } });
    expect(t.enabled).toBe(true);
    const metrics = new Metrics({ meter: t.meter, defaultMetrics: false });
    const c = metrics.counter({ name: 'otlp_probe_total', help: 'probe', labelNames: ['op'], otel: { name: 'otlp.probe' } });
    c.inc({ op: 'get' }, 3);
    t.tracer.startSpan('probe-span').end();
    await t.shutdown(); // flushes both exporters
    const metricPosts = received.filter((r) => r.path === '/v1/metrics');
    const tracePosts = received.filter((r) => r.path === '/v1/traces');
    expect(metricPosts.map((r) => r.body).join('')).toContain('otlp.probe');
    expect(tracePosts.map((r) => r.body).join('')).toContain('probe-span');
    expect(await metrics.text()).toContain('otlp_probe_total{op="get"} 3');
  });
});
