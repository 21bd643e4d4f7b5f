// The sidecar injector: a mutating admission webhook that gives pods
// annotated `pilotfish.dev/inject: cache,llm` the cache sidecar and the LLM
// proxy (docs/injection.md).
import { loadInjectorConfig, startInjectorApp } from '#pkg/injector/index.ts';
import { createLogger } from '#pkg/log/index.ts';
import { Metrics, startTelemetry } from '#pkg/metrics/index.ts';
import { onShutdown, runMain } from '#pkg/http/index.ts';

await runMain(async () => {
  const cfg = loadInjectorConfig();
  const logger = createLogger({ name: 'injector', level: cfg.LOG_LEVEL });
  const telemetry = await startTelemetry({ serviceName: 'pilotfish-injector' });
  const metrics = new Metrics({ meter: telemetry.meter, defaultLabels: { component: 'injector' } });
  const app = await startInjectorApp(cfg, { logger, metrics });
  onShutdown([() => app.close(), () => telemetry.shutdown()], logger);
});
