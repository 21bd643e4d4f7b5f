import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, captureLogs } from '#pkg/log/index.ts';
import { Metrics } from '#pkg/metrics/index.ts';
import { loadKubeConfig } from '#pkg/k8s/index.ts';
import { Controller, LagSource, QueueSource, Reconciler, controllerMetrics, informerSource, kubeCluster, type ReconcileResult } from '#pkg/autoscaler/index.ts';
import { startKubeApi } from '../fixtures/kube-api.ts';
import { startRedis } from '../fixtures/redis.ts';
import { eventually } from '../fixtures/poll.ts';

const NS = 'shared';
const COUNT = 20;

describe('controller: many QueueAutoscalers on one Redis URL', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

  it(`${COUNT} autoscalers share one connection and add no listener each: no MaxListenersExceededWarning, through Redis going away and coming back`, async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => { warnings.push(w); };
    process.on('warning', onWarning);
    cleanups.push(() => { process.off('warning', onWarning); });

    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const api = await startKubeApi();
    cleanups.push(() => api.close());
    api.addSecret(NS, 'redis', { url: redis.url });
    for (let i = 0; i < COUNT; i += 1) {
      api.addDeployment(NS, `worker-${i}`, 1);
      api.addQueueAutoscaler(NS, `q-${i}`, {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: `worker-${i}` },
        queue: { name: `shared-${i}`, connection: { secretRef: { name: 'redis', key: 'url' } } },
        targets: { backlogPerReplica: 5 },
        pollingIntervalSeconds: 1,
        maxReplicas: 10,
      });
    }

    const kc = loadKubeConfig({ server: api.url });
    const logger = createLogger({ name: 'controller-test', level: 'debug', destination: captureLogs().stream });
    const queues = new QueueSource({ timeoutMs: 1000 });
    const results: { key: string; result?: ReconcileResult }[] = [];
    const controller = new Controller({
      source: informerSource(kc, logger),
      reconciler: new Reconciler({ cluster: kubeCluster(kc, { cacheTtlMs: 0 }), queues, lag: new LagSource(), metrics: controllerMetrics(new Metrics({ defaultMetrics: false })), logger }),
      logger,
      onReconciled: (key, result) => results.push({ key, result }),
    });
    await controller.start();
    cleanups.push(async () => { await controller.stop(); await queues.close(); });

    // Every autoscaler has polled since result `from`, with its queue read (or not: the decision says metrics were unavailable).
    const readFailed = (r: ReconcileResult | undefined) => r?.decision?.reason === 'MetricsUnavailable' || r?.decision?.reason === 'Fallback';
    const everyPolled = (from: number, ok: boolean) => {
      const keys = new Set(results.slice(from).filter((r) => r.result?.decision && readFailed(r.result) !== ok).map((r) => r.key));
      return keys.size === COUNT;
    };
    await eventually(() => everyPolled(0, true), `${COUNT} autoscalers reading the queue`);

    await redis.kill();
    let mark = results.length;
    await eventually(() => everyPolled(mark, false), 'every autoscaler failing a read with Redis down');
    mark = results.length;
    await eventually(() => everyPolled(mark, false), 'every autoscaler failing a second read');

    await redis.restart();
    mark = results.length;
    await eventually(() => everyPolled(mark, true), 'every autoscaler reading again after Redis is back');

    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
  });
});
