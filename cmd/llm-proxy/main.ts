import { createAdminServer, createServer, listen, closeServer, onShutdown, runMain } from '#pkg/http/index.ts';
import { createLogger, secrets } from '#pkg/log/index.ts';
import { Metrics, startTelemetry } from '#pkg/metrics/index.ts';
import { createLlmStack, LlmMetrics } from '#pkg/llm/index.ts';
import { createGovernance, createLlmHandler, readLlmProxyConfig, statusBody } from '#pkg/llmproxy/index.ts';

await runMain(async () => {
  const config = readLlmProxyConfig();
  for (const s of config.secrets) secrets.add(s);
  const logger = createLogger({ name: 'llm-proxy' });
  const telemetry = await startTelemetry({ serviceName: 'pilotfish-llm-proxy' });
  const metrics = new Metrics({ defaultLabels: { component: 'llm-proxy' }, gcMetrics: config.gcMetrics });
  const llmMetrics = new LlmMetrics(metrics);
  for (const p of config.skipped) logger.warn({ provider: p }, 'provider named by configuration has no API key: not routed (refused in production)');
  const stack = createLlmStack(config.settings, llmMetrics);
  const governance = createGovernance(config.governance, metrics, { callerTokens: config.callerTokens, logger });

  const data = createServer(createLlmHandler({ gateway: stack.gateway, router: stack.router, metrics: llmMetrics, logger, passthrough: stack.passthrough, maxBodyBytes: config.maxBodyBytes, callerTokens: config.callerTokens, governance }));
  const admin = createAdminServer({
    metrics,
    readiness: () => ({ ready: data.listening, providers: [...stack.providers.keys()] }),
    routes: { '/v1/status': () => statusBody(stack) },
  });
  await governance.ready();
  const port = await listen(data, config.port, config.host);
  const adminPort = await listen(admin, config.adminPort, config.adminHost);
  logger.info({ host: config.host, port, adminPort, providers: [...stack.providers.keys()], defaultProvider: config.settings.defaultProvider, fallback: config.settings.fallback }, 'llm-proxy listening');
  onShutdown([() => closeServer(data), () => closeServer(admin), () => stack.close(), () => governance.close(), () => telemetry.shutdown()], logger);
});
