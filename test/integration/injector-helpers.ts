/** Shared by the injector suites: the webhook on free ports, its Secret in the fake API server, and an HTTPS client that trusts only its CA. */
import https from 'node:https';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureLogs, createLogger } from '#pkg/log/index.ts';
import { Metrics } from '#pkg/metrics/index.ts';
import { loadInjectorConfig, startInjectorApp, type RunningInjector } from '#pkg/injector/index.ts';
import type { FakeKubeApi } from '../fixtures/kube-api.ts';
import { freePort } from '../fixtures/ports.ts';

export const SERVICE_HOST = 'pilotfish-injector.pilotfish.svc';
export const IMAGE = 'ghcr.io/pilotfish/pilotfish:test';

export async function startInjector(api: FakeKubeApi, options: { configYaml?: string; env?: Record<string, string> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'injector-'));
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, options.configYaml ?? '');
  const logs = captureLogs();
  const logger = createLogger({ name: 'injector', level: 'debug', destination: logs.stream });
  const metrics = new Metrics({ defaultMetrics: false });
  const cfg = loadInjectorConfig({
    INJECTOR_PORT: String(await freePort()), INJECTOR_ADMIN_PORT: String(await freePort()), INJECTOR_HOST: '127.0.0.1', INJECTOR_ADMIN_HOST: '127.0.0.1',
    INJECTOR_SIDECAR_IMAGE: IMAGE, INJECTOR_CONFIG_FILE: configFile, INJECTOR_KUBE_API: api.url,
    INJECTOR_NAMESPACE: 'pilotfish', INJECTOR_SERVICE_NAME: 'pilotfish-injector', INJECTOR_CONFIG_CACHE_TTL: '0',
    ...options.env,
  });
  const app = await startInjectorApp(cfg, { logger, metrics });
  return { app, logs, metrics, configFile };
}

export interface HttpsAnswer { status: number; body: any; peerSerial: string }

/** POSTs over HTTPS as the API server does: trusting only `ca`, checking the certificate names the Service. */
export function post(app: Pick<RunningInjector, 'port' | 'tls'>, body: unknown, options: { ca?: string; path?: string; contentType?: string; method?: string } = {}): Promise<HttpsAnswer> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: app.port, servername: SERVICE_HOST, path: options.path ?? '/mutate', method: options.method ?? 'POST',
      ca: options.ca ?? app.tls.caBundle, agent: false,
      headers: { 'content-type': options.contentType ?? 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try { parsed = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, body: parsed, peerSerial: (res.socket as import('node:tls').TLSSocket).getPeerCertificate().serialNumber });
      });
    });
    req.on('error', reject);
    req.end(options.method === 'GET' ? undefined : payload);
  });
}

/** An AdmissionReview as kube-apiserver sends it for a pod a ReplicaSet creates: generateName, no name, oldObject null. */
export function podReview(pod: Record<string, unknown>, request: Record<string, unknown> = {}) {
  return {
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: {
      uid: `uid-${Math.random().toString(16).slice(2)}`,
      kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' }, requestResource: { group: '', version: 'v1', resource: 'pods' },
      name: '', namespace: 'apps', operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:authenticated'] },
      object: pod, oldObject: null, dryRun: false, options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
      ...request,
    },
  };
}

export function decodePatch(answer: HttpsAnswer): any[] {
  return JSON.parse(Buffer.from(answer.body.response.patch, 'base64').toString('utf8'));
}
