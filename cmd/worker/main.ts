import { loadWorkerConfig, startRenderWorker } from '#pkg/render/index.ts';
import { createLogger, secrets } from '#pkg/log/index.ts';
import { Metrics, startTelemetry } from '#pkg/metrics/index.ts';
import { onShutdown, runMain } from '#pkg/http/index.ts';

await runMain(async () => {
  const cfg = loadWorkerConfig();
  secrets.addUrlPassword(cfg.REDIS_URL);
  const logger = createLogger({ name: 'worker', level: cfg.LOG_LEVEL });
  const telemetry = await startTelemetry({ serviceName: 'pilotfish-worker' });
  const metrics = new Metrics({ meter: telemetry.meter, defaultLabels: { component: 'worker' } });
  const service = await startRenderWorker(cfg, { logger, metrics });
  // The drain has its own deadline; the process-level one only backs it up.
  onShutdown([() => service.close(), () => telemetry.shutdown()], logger, cfg.WORKER_SHUTDOWN_TIMEOUT_MS + 10_000);
});
