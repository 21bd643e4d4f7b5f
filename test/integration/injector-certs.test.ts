/**
 * The injector's certificates against the fake API server: made once and
 * shared through one Secret by racing replicas, reused after a restart,
 * renewed before expiry under the same CA, rotated to a new CA that is
 * trusted next to the old one, remade when the Secret is damaged, reloaded
 * by a running server without a restart; and, for cert-manager, read from
 * mounted files and reloaded when they change.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureLogs, createLogger } from '#pkg/log/index.ts';
import { loadKubeConfig } from '#pkg/k8s/index.ts';
import { createCertificateAuthority, issueServingCertificate, SelfSignedCertificates, type SelfSignedOptions } from '#pkg/injector/index.ts';
import { startKubeApi, type FakeKubeApi } from '../fixtures/kube-api.ts';
import { podReview, post, SERVICE_HOST, startInjector } from './injector-helpers.ts';

const DAY = 86_400_000;
let api: FakeKubeApi;
beforeEach(async () => { api = await startKubeApi(); });
afterEach(async () => { await api.close(); });

function keeper(now: () => number, over: Partial<SelfSignedOptions> = {}) {
  const logs = captureLogs();
  const k = new SelfSignedCertificates(loadKubeConfig({ server: api.url }), {
    namespace: 'pilotfish', secretName: 'pilotfish-injector-tls', serviceName: 'pilotfish-injector', webhookConfigurationName: 'pilotfish-injector',
    logger: createLogger({ name: 't', level: 'debug', destination: logs.stream }), now, ...over,
  });
  return { k, logs };
}
const serial = (pem: string) => new X509Certificate(pem).serialNumber;
const pems = (bundle: string) => bundle.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
const t0 = Date.parse('2026-12-01T00:00:00Z');

describe('self-signed certificates kept in a Secret', () => {
  it('two replicas starting together end up serving the one certificate in the Secret', async () => {
    const [a, b] = await Promise.all([keeper(() => t0).k.ensure(), keeper(() => t0).k.ensure()]);
    expect(a.cert).toBe(b.cert);
    const stored = api.store.get('secrets', 'pilotfish', 'pilotfish-injector-tls')!;
    expect(stored.type).toBe('kubernetes.io/tls');
    expect(Buffer.from((stored.data as Record<string, string>)['tls.crt'], 'base64').toString()).toBe(a.cert);
    expect(new X509Certificate(a.cert).checkHost(SERVICE_HOST)).toBe(SERVICE_HOST);
    expect(new X509Certificate(a.cert).checkIssued(new X509Certificate(a.caBundle))).toBe(true);
  });

  it('reuses the stored certificate after a restart', async () => {
    const first = await keeper(() => t0).k.ensure();
    const again = await keeper(() => t0 + 100 * DAY).k.ensure();
    expect(again.cert).toBe(first.cert);
  });

  it('renews the serving certificate 30 days before expiry, under the same CA', async () => {
    const first = await keeper(() => t0).k.ensure();
    const renewed = await keeper(() => t0 + 336 * DAY).k.ensure();
    expect(serial(renewed.cert)).not.toBe(serial(first.cert));
    expect(renewed.caBundle).toBe(first.caBundle);
    expect(renewed.notAfter.getTime()).toBe(t0 + 336 * DAY + 365 * DAY);
    expect(new X509Certificate(renewed.cert).checkIssued(new X509Certificate(first.caBundle))).toBe(true);
  });

  it('rotates to a new CA when the old one would not outlive the certificate, trusting both meanwhile', async () => {
    const first = await keeper(() => t0).k.ensure();
    const late = t0 + 3300 * DAY;
    const rotated = await keeper(() => late).k.ensure();
    expect(pems(rotated.caBundle)).toBe(2);
    expect(rotated.caBundle.endsWith(first.caBundle)).toBe(true);
    const newCa = new X509Certificate(rotated.caBundle.slice(0, rotated.caBundle.indexOf(first.caBundle)));
    expect(new X509Certificate(rotated.cert).checkIssued(newCa)).toBe(true);
    // Once the old CA has expired it leaves the bundle at the next rotation.
    const later = await keeper(() => late + 3300 * DAY).k.ensure();
    expect(pems(later.caBundle)).toBe(2);
    expect(later.caBundle).not.toContain(first.caBundle);
  });

  it('remakes a damaged Secret', async () => {
    api.addSecret('pilotfish', 'pilotfish-injector-tls', { 'tls.crt': 'garbage' });
    const made = await keeper(() => t0).k.ensure();
    expect(new X509Certificate(made.cert).checkHost(SERVICE_HOST)).toBe(SERVICE_HOST);
  });

  it('tries to write the caBundle and keeps serving when the configuration cannot be updated', async () => {
    const { k, logs } = keeper(() => t0);
    await k.ensure();
    expect(api.requests.some((r) => r.method === 'GET' && r.path === '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/pilotfish-injector')).toBe(true);
    expect(logs.text()).toContain('could not update the caBundle');
    expect(k.settled).toBe(false);
    expect(logs.text()).not.toContain('PRIVATE KEY');
  });

  it('leaves webhook configurations alone when none is named', async () => {
    const { k } = keeper(() => t0, { webhookConfigurationName: '' });
    await k.ensure();
    expect(k.settled).toBe(true);
    expect(api.requests.some((r) => r.path.includes('mutatingwebhookconfigurations'))).toBe(false);
  });

  it('a running server picks up a certificate another replica wrote, without a restart', async () => {
    const injector = await startInjector(api);
    try {
      const before = await post(injector.app, podReview({ metadata: {}, spec: { containers: [] } }));
      api.store.delete('secrets', 'pilotfish', 'pilotfish-injector-tls');
      const other = await keeper(Date.now).k.ensure();
      await injector.app.checkCertificates();
      const after = await post(injector.app, podReview({ metadata: {}, spec: { containers: [] } }), { ca: other.caBundle });
      expect(after.peerSerial).toBe(serial(other.cert));
      expect(after.peerSerial).not.toBe(before.peerSerial);
      const metrics = await (await fetch(`http://127.0.0.1:${injector.app.adminPort}/metrics`)).text();
      expect(metrics).toContain(`pilotfish_injector_certificate_expiry_timestamp_seconds ${Math.floor(other.notAfter.getTime() / 1000)}`);
    } finally {
      await injector.app.close();
    }
  });
});

describe('certificates from mounted files (cert-manager)', () => {
  it('serves the mounted certificate and reloads it when the kubelet updates the files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'injector-tls-'));
    const ca = createCertificateAuthority({ commonName: 'cert-manager-ca', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 30 * DAY) });
    const write = () => {
      const leaf = issueServingCertificate(ca, [SERVICE_HOST], { commonName: SERVICE_HOST, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 10 * DAY) });
      writeFileSync(join(dir, 'tls.crt'), leaf.cert);
      writeFileSync(join(dir, 'tls.key'), leaf.key);
      writeFileSync(join(dir, 'ca.crt'), ca.cert);
      return leaf;
    };
    const first = write();
    const injector = await startInjector(api, { env: { INJECTOR_TLS_MODE: 'files', INJECTOR_TLS_DIR: dir } });
    try {
      expect((await post(injector.app, podReview({ metadata: {}, spec: { containers: [] } }), { ca: ca.cert })).peerSerial).toBe(serial(first.cert));
      const second = write();
      await injector.app.checkCertificates();
      expect((await post(injector.app, podReview({ metadata: {}, spec: { containers: [] } }), { ca: ca.cert })).peerSerial).toBe(serial(second.cert));
      expect(api.store.get('secrets', 'pilotfish', 'pilotfish-injector-tls')).toBeUndefined();
    } finally {
      await injector.app.close();
    }
  });
});
