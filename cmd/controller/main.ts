// The queue autoscaler controller: scales workloads named by QueueAutoscaler
// resources on BullMQ backlog and lag. `--dry-run` (or CONTROLLER_DRY_RUN=true)
// logs decisions without writing; `--file specs.yaml` (or CONTROLLER_SPEC_FILE)
// reads QueueAutoscalers from a file instead of a cluster.
import { loadControllerConfig, startControllerApp } from '#pkg/autoscaler/index.ts';
import { createLogger } from '#pkg/log/index.ts';
import { Metrics, startTelemetry } from '#pkg/metrics/index.ts';
import { onShutdown, runMain } from '#pkg/http/index.ts';

await runMain(async () => {
  const cfg = loadControllerConfig();
  const logger = createLogger({ name: 'controller', level: cfg.LOG_LEVEL });
  const telemetry = await startTelemetry({ serviceName: 'pilotfish-controller' });
  const metrics = new Metrics({ meter: telemetry.meter, defaultLabels: { component: 'controller' } });
  const app = await startControllerApp(cfg, { logger, metrics });
  onShutdown([() => app.close(), () => telemetry.shutdown()], logger);
});
