import { afterEach, describe, expect, it } from 'vitest';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { startFakePrometheus, type FakePrometheus } from '../fixtures/kube/prometheus.ts';
import { NS, startControllerHarness, statusOf, type ControllerHarness } from '../fixtures/kube/harness.ts';
import { eventually } from '../fixtures/poll.ts';

describe('controller: lag p95 from Prometheus', () => {
  let h: ControllerHarness | undefined;
  let prom: FakePrometheus | undefined;
  afterEach(async () => { await h?.stop(); h = undefined; await prom?.close(); prom = undefined; });

  const spec = (url: string) => ({
    queue: { name: `ctl-lag-${process.pid}`, connection: { secretRef: { name: 'redis', key: 'url' } } },
    targets: { lagP95Seconds: 10 },
    prometheus: { url },
    fallback: { failureThreshold: 2, replicas: 3 },
  });

  it('scales on the lag p95 as a Value target, querying for its queue', async () => {
    prom = await startFakePrometheus();
    prom.answer = 40;
    h = await startControllerHarness({ redisUrl: sharedRedisUrl(), spec: spec(prom.url) });
    await eventually(() => h!.api.deploymentReplicas(NS, 'worker') === 4, 'scale to ceil(1 × 40 / 10) = 4');
    expect(prom.queries[0]).toBe(`histogram_quantile(0.95, sum by (le) (rate(bullmq_queue_lag_seconds_bucket{queue="ctl-lag-${process.pid}"}[5m])))`);
    const s = await eventually(() => { const st = statusOf(h!.api); return st?.lastMetrics?.lagP95Seconds === 40 ? st : undefined; }, 'lag in status');
    expect(s.desiredReplicas).toBe(4);
    expect(await h.metrics.text()).toMatch(/queue_autoscaler_metric_value\{namespace="apps",name="render",metric="lag_p95_seconds"\} 40/);
  });

  it('a Prometheus outage counts toward the fallback, with Redis healthy', async () => {
    prom = await startFakePrometheus();
    prom.answer = { status: 503 };
    h = await startControllerHarness({ redisUrl: sharedRedisUrl(), spec: spec(prom.url) });
    await eventually(() => h!.api.deploymentReplicas(NS, 'worker') === 3, 'fallback to 3');
    const s = await eventually(() => { const st = statusOf(h!.api); return st?.conditions?.find((c: any) => c.type === 'Fallback')?.status === 'True' ? st : undefined; }, 'Fallback condition');
    expect(s.conditions.find((c: any) => c.type === 'Fallback').message).toContain('Prometheus answered HTTP 503');
    expect(await h.metrics.text()).toMatch(/queue_autoscaler_errors_total\{namespace="apps",name="render",kind="prometheus"\} [2-9]/);
  });
});
