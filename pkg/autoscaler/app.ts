import type { Server } from 'node:http';
import { createAdminServer, closeServer, listen } from '#pkg/http/index.ts';
import { secrets, type Logger } from '#pkg/log/index.ts';
import type { Metrics } from '#pkg/metrics/index.ts';
import { LeaderElector, loadKubeConfig } from '#pkg/k8s/index.ts';
import { kubeCluster } from './cluster.ts';
import type { ControllerConfig } from './config.ts';
import { Controller } from './controller.ts';
import { loadSpecFile } from './dryrun.ts';
import { controllerMetrics } from './metrics.ts';
import { Reconciler } from './reconciler.ts';
import { LagSource, QueueSource } from './sources.ts';
import { informerSource, staticSource } from './sources-k8s.ts';

export interface RunningController {
  adminPort: number;
  controller: Controller;
  close(): Promise<void>;
}

/**
 * Wires the controller from its config: the cluster (or a spec file for a
 * dry run), leader election (not in a dry run: it would write a Lease), the
 * polling controller and the admin listener. Ready once the first list of
 * QueueAutoscalers is in and, with election on, this replica is a follower
 * or the leader (both serve /metrics; only the leader acts).
 */
export async function startControllerApp(cfg: ControllerConfig, deps: { logger: Logger; metrics: Metrics }): Promise<RunningController> {
  const { logger, metrics } = deps;
  if (cfg.REDIS_URL) secrets.addUrlPassword(cfg.REDIS_URL);
  const cm = controllerMetrics(metrics);
  const queues = new QueueSource({ timeoutMs: cfg.CONTROLLER_READ_TIMEOUT });
  const lag = new LagSource({ timeoutMs: cfg.CONTROLLER_READ_TIMEOUT });
  let elector: LeaderElector | undefined;
  let controller: Controller;
  let started = false;

  if (cfg.specFile) {
    const file = await loadSpecFile(cfg.specFile, logger, { fallbackRedisUrl: cfg.REDIS_URL || undefined });
    const reconciler = new Reconciler({ cluster: file.cluster, queues, lag, metrics: cm, logger });
    controller = new Controller({ source: staticSource(file.objects), reconciler, logger });
    logger.info({ file: cfg.specFile, objects: file.objects.length }, 'dry run from a file: decisions are logged, nothing is written');
  } else {
    const kc = loadKubeConfig({ server: cfg.CONTROLLER_KUBE_API || undefined });
    const late: { controller?: Controller } = {};
    if (cfg.CONTROLLER_LEADER_ELECTION && !cfg.dryRun) {
      elector = new LeaderElector(kc, {
        namespace: cfg.CONTROLLER_LEASE_NAMESPACE, name: cfg.CONTROLLER_LEASE_NAME, identity: cfg.CONTROLLER_IDENTITY, logger,
        leaseDurationMs: cfg.CONTROLLER_LEASE_DURATION, renewDeadlineMs: cfg.CONTROLLER_RENEW_DEADLINE, retryPeriodMs: cfg.CONTROLLER_RETRY_PERIOD,
        onStartedLeading: () => { cm.isLeader.set({}, 1); late.controller?.pokeAll(); },
        onStoppedLeading: () => cm.isLeader.set({}, 0),
      });
    } else {
      cm.isLeader.set({}, 1);
    }
    const isLeader = elector ? () => elector!.isLeader : undefined;
    const reconciler = new Reconciler({ cluster: kubeCluster(kc, { instance: cfg.CONTROLLER_IDENTITY, cacheTtlMs: cfg.CONTROLLER_CACHE_TTL }), queues, lag, metrics: cm, logger, dryRun: cfg.dryRun, isLeader });
    controller = new Controller({ source: informerSource(kc, logger, { namespace: cfg.CONTROLLER_NAMESPACE || undefined }), reconciler, logger, isLeader });
    late.controller = controller;
    if (cfg.dryRun) logger.info('dry run against the cluster: decisions are logged, nothing is written');
  }

  const admin: Server = createAdminServer({
    metrics,
    readiness: () => ({ ready: started && controller.synced, leader: elector ? elector.isLeader : true, objects: controller.size, dryRun: cfg.dryRun || Boolean(cfg.specFile) }),
  });
  const adminPort = await listen(admin, cfg.CONTROLLER_ADMIN_PORT, cfg.CONTROLLER_ADMIN_HOST);
  elector?.start();
  await controller.start();
  started = true;
  logger.info({ adminPort, dryRun: cfg.dryRun || Boolean(cfg.specFile), namespace: cfg.CONTROLLER_NAMESPACE || 'all' }, 'controller started');
  return {
    adminPort,
    controller,
    async close() {
      await closeServer(admin);
      await controller.stop();
      await elector?.stop();
      await queues.close();
    },
  };
}
