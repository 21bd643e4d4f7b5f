import https from 'node:https';
import type { Server } from 'node:http';
import { closeServer, createAdminServer, listen } from '#pkg/http/index.ts';
import { loadKubeConfig } from '#pkg/k8s/index.ts';
import type { Logger } from '#pkg/log/index.ts';
import type { Metrics } from '#pkg/metrics/index.ts';
import { configMapReader, InjectionConfigSource, type NamespaceConfigReader } from './config-source.ts';
import type { InjectorConfig } from './config.ts';
import { createMutateHandler } from './handler.ts';
import { injectorMetrics } from './metrics.ts';
import { FileCertificates } from './tls/files.ts';
import type { TlsMaterial } from './tls/material.ts';
import { SelfSignedCertificates } from './tls/self-signed.ts';

export interface RunningInjector {
  port: number;
  adminPort: number;
  /** The material being served (tests trust its caBundle). */
  readonly tls: TlsMaterial;
  /** Runs one certificate check now (the timer's job). */
  checkCertificates(): Promise<void>;
  close(): Promise<void>;
}

export interface InjectorDeps {
  logger: Logger;
  metrics: Metrics;
  /** Replaces the ConfigMap reads (a dry run, or a cluster without the API server in reach). */
  readNamespace?: NamespaceConfigReader;
  now?: () => number;
}

/**
 * Wires the webhook: TLS material (self-made and kept in a Secret, or files
 * from cert-manager), the HTTPS listener for POST /mutate, the admin
 * listener, and a periodic check that renews or reloads the certificate
 * without a restart.
 */
export async function startInjectorApp(cfg: InjectorConfig, deps: InjectorDeps): Promise<RunningInjector> {
  const { logger } = deps;
  const m = injectorMetrics(deps.metrics);
  const kc = loadKubeConfig({ server: cfg.INJECTOR_KUBE_API || undefined });
  const certificates = cfg.INJECTOR_TLS_MODE === 'files'
    ? new FileCertificates(cfg.INJECTOR_TLS_DIR)
    : new SelfSignedCertificates(kc, {
        namespace: cfg.INJECTOR_NAMESPACE, secretName: cfg.INJECTOR_CERT_STORE, serviceName: cfg.INJECTOR_SERVICE_NAME,
        webhookConfigurationName: cfg.INJECTOR_WEBHOOK_CONFIGURATION, logger,
        validityMs: cfg.INJECTOR_CERT_VALIDITY, renewBeforeMs: cfg.INJECTOR_CERT_RENEW_BEFORE, now: deps.now,
      });
  let tls = await certificates.ensure();
  m.certificateExpiry.set({}, Math.floor(tls.notAfter.getTime() / 1000));

  const configs = new InjectionConfigSource({
    image: cfg.INJECTOR_SIDECAR_IMAGE,
    clusterConfigFile: cfg.INJECTOR_CONFIG_FILE || undefined,
    configMapName: cfg.INJECTOR_CONFIGMAP_NAME,
    readNamespace: deps.readNamespace ?? configMapReader(kc, cfg.INJECTOR_CONFIGMAP_NAME),
    cacheTtlMs: cfg.INJECTOR_CONFIG_CACHE_TTL,
    now: deps.now,
  });
  const handler = createMutateHandler({ configs, metrics: m, logger });
  const server = https.createServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, (req, res) => {
    handler(req, res).catch(() => { if (!res.headersSent) { res.statusCode = 500; res.end(); } });
  });
  const port = await listen(server as unknown as Server, cfg.INJECTOR_PORT, cfg.INJECTOR_HOST);

  const checkCertificates = async () => {
    try {
      const next = await certificates.ensure();
      if (next.cert !== tls.cert || next.key !== tls.key) {
        server.setSecureContext({ cert: next.cert, key: next.key, minVersion: 'TLSv1.2' });
        logger.info({ notAfter: next.notAfter.toISOString() }, 'serving certificate reloaded');
      }
      tls = next;
      m.certificateExpiry.set({}, Math.floor(tls.notAfter.getTime() / 1000));
    } catch (err) {
      logger.warn({ err: String(err).slice(0, 300) }, 'certificate check failed; serving the current certificate');
    }
  };
  // Until the caBundle is written (the webhook configuration may be created
  // after this pod starts), check again from 10 s, doubling, up to the interval.
  let retryMs = 10_000;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    const delay = certificates.settled ? cfg.INJECTOR_CERT_CHECK_INTERVAL : Math.min(retryMs, cfg.INJECTOR_CERT_CHECK_INTERVAL);
    retryMs = certificates.settled ? 10_000 : retryMs * 2;
    timer = setTimeout(() => { void checkCertificates().finally(schedule); }, delay);
    timer.unref();
  };
  schedule();

  const admin = createAdminServer({ metrics: deps.metrics, readiness: () => ({ ready: server.listening, certificateNotAfter: tls.notAfter.toISOString() }) });
  const adminPort = await listen(admin, cfg.INJECTOR_ADMIN_PORT, cfg.INJECTOR_ADMIN_HOST);
  logger.info({ port, adminPort, tlsMode: cfg.INJECTOR_TLS_MODE, notAfter: tls.notAfter.toISOString() }, 'injector started');
  return {
    port,
    adminPort,
    get tls() { return tls; },
    checkCertificates,
    async close() {
      stopped = true;
      clearTimeout(timer);
      await closeServer(server as unknown as Server);
      await closeServer(admin);
    },
  };
}
