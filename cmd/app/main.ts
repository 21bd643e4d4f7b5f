import { loadAppConfig, startApp } from '#pkg/app/index.ts';
import { createLogger } from '#pkg/log/index.ts';
import { Metrics, startTelemetry } from '#pkg/metrics/index.ts';
import { onShutdown, runMain } from '#pkg/http/index.ts';

await runMain(async () => {
  const config = loadAppConfig();
  const logger = createLogger({ name: 'app', level: config.logLevel });
  const telemetry = await startTelemetry({ serviceName: 'pilotfish-app' });
  const metrics = new Metrics({ meter: telemetry.meter, defaultLabels: { component: 'app' } });
  const app = await startApp(config, { logger, metrics });
  onShutdown([() => app.close(), () => telemetry.shutdown()], logger);
  // A folder that cannot be indexed never becomes ready: exit so the pod restarts and says why.
  app.indexed.catch((err: Error) => {
    logger.fatal({ err: err.message }, 'knowledge index could not be built');
    void app.close().finally(() => process.exit(1));
  });
});
