/**
 * Certificates the injector makes and keeps itself, for clusters without
 * cert-manager: a private CA and a serving certificate stored in one Secret
 * (shared by every replica: the first to start creates it, the others read
 * it), the CA written into the MutatingWebhookConfiguration's caBundle, and
 * both renewed `renewBeforeMs` ahead of expiry. A new CA is trusted next to
 * the old one until the old one expires, so no review fails during a
 * rotation.
 */
import { X509Certificate } from 'node:crypto';
import { AdmissionregistrationV1Api, CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { describeApiError, isConflict, isNotFound } from '#pkg/k8s/index.ts';
import type { Logger } from '#pkg/log/index.ts';
import { notAfterOf, servesFor, type TlsMaterial } from './material.ts';
import { createCertificateAuthority, issueServingCertificate, type KeyPairPem } from './x509.ts';

const DAY = 86_400_000;

export interface SelfSignedOptions {
  namespace: string;
  secretName: string;
  /** The webhook's Service: the certificate names `<service>.<namespace>.svc` and its shorter forms. */
  serviceName: string;
  /** The MutatingWebhookConfiguration whose webhooks get the caBundle; empty: leave it alone. */
  webhookConfigurationName: string;
  logger: Logger;
  /** Serving certificate lifetime. Default 365 days. */
  validityMs?: number;
  /** CA lifetime. Default 10 years. */
  caValidityMs?: number;
  /** Renew this long before expiry. Default 30 days. */
  renewBeforeMs?: number;
  now?: () => number;
}

export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

const KEYS = { cert: 'tls.crt', key: 'tls.key', caBundle: 'ca.crt', caKey: 'ca.key' } as const;

export class SelfSignedCertificates {
  readonly #core: CoreV1Api;
  readonly #admission: AdmissionregistrationV1Api;
  readonly #o: Required<SelfSignedOptions>;
  #caBundleCurrent = false;

  constructor(kc: KubeConfig, options: SelfSignedOptions) {
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#admission = kc.makeApiClient(AdmissionregistrationV1Api);
    this.#o = {
      ...options,
      validityMs: options.validityMs ?? 365 * DAY,
      caValidityMs: options.caValidityMs ?? 3650 * DAY,
      renewBeforeMs: options.renewBeforeMs ?? 30 * DAY,
      now: options.now ?? Date.now,
    };
  }

  /** False until the caBundle was written (or found current): the caller checks again soon rather than in an hour. */
  get settled(): boolean {
    return this.#caBundleCurrent || !this.#o.webhookConfigurationName;
  }

  get dnsNames(): string[] {
    return serviceDnsNames(this.#o.serviceName, this.#o.namespace);
  }

  /**
   * The material to serve: the Secret's when still good, else freshly made
   * (or renewed) and written back. Then the caBundle is brought in line.
   * Throws only when the Secret can be neither read nor written.
   */
  async ensure(): Promise<TlsMaterial> {
    const material = await this.#ensureSecret();
    await this.#syncCaBundle(material.caBundle);
    return material;
  }

  async #ensureSecret(attempt = 0): Promise<TlsMaterial> {
    const { namespace, secretName: name } = this.#o;
    let secret: V1Secret | undefined;
    try {
      secret = await this.#core.readNamespacedSecret({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const stored = secret ? decode(secret) : undefined;
    const now = this.#o.now();
    if (stored && servesFor(stored.cert, this.dnsNames, now, this.#o.renewBeforeMs)) return toMaterial(stored);

    const next = this.#renew(stored, now);
    const data = Object.fromEntries(Object.entries({ [KEYS.cert]: next.cert, [KEYS.key]: next.key, [KEYS.caBundle]: next.caBundle, [KEYS.caKey]: next.caKey }).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    try {
      if (secret) {
        await this.#core.replaceNamespacedSecret({ name, namespace, body: { ...secret, data } });
        this.#o.logger.info({ secret: `${namespace}/${name}`, notAfter: notAfterOf(next.cert).toISOString() }, 'webhook certificate renewed');
      } else {
        await this.#core.createNamespacedSecret({ namespace, body: { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace, labels: { 'app.kubernetes.io/part-of': 'pilotfish' } }, data } });
        this.#o.logger.info({ secret: `${namespace}/${name}`, notAfter: notAfterOf(next.cert).toISOString() }, 'webhook certificate created');
      }
    } catch (err) {
      // Another replica wrote first: use what it wrote.
      if (isConflict(err) && attempt < 3) return this.#ensureSecret(attempt + 1);
      throw err;
    }
    return toMaterial(next);
  }

  /** A new serving certificate, under the stored CA while it outlives the certificate, else under a new CA trusted next to the old. */
  #renew(stored: Stored | undefined, now: number): Stored {
    const notBefore = new Date(now - 5 * 60_000); // tolerate API server clocks a little behind
    const leafUntil = new Date(now + this.#o.validityMs);
    let ca: KeyPairPem | undefined = stored ? { cert: firstPem(stored.caBundle), key: stored.caKey } : undefined;
    let bundle = stored?.caBundle ?? '';
    if (!ca || !caUsable(ca, leafUntil.getTime(), now)) {
      ca = createCertificateAuthority({ commonName: `${this.#o.serviceName}-ca`, notBefore, notAfter: new Date(now + this.#o.caValidityMs) });
      const old = stored ? allPems(stored.caBundle).filter((p) => stillValid(p, now)) : [];
      bundle = [ca.cert, ...old].join('');
    }
    const leaf = issueServingCertificate(ca, this.dnsNames, { commonName: `${this.#o.serviceName}.${this.#o.namespace}.svc`, notBefore, notAfter: leafUntil });
    return { cert: leaf.cert, key: leaf.key, caBundle: bundle, caKey: ca.key };
  }

  /** Writes the CA bundle into every webhook of the configuration whose caBundle differs (read, then replace with its resourceVersion). */
  async #syncCaBundle(bundle: string): Promise<void> {
    const name = this.#o.webhookConfigurationName;
    if (!name) return;
    const encoded = Buffer.from(bundle).toString('base64');
    try {
      const mwc = await this.#admission.readMutatingWebhookConfiguration({ name });
      const hooks = mwc.webhooks ?? [];
      if (hooks.every((h) => h.clientConfig.caBundle === encoded)) { this.#caBundleCurrent = true; return; }
      for (const h of hooks) h.clientConfig.caBundle = encoded;
      await this.#admission.replaceMutatingWebhookConfiguration({ name, body: mwc });
      this.#caBundleCurrent = true;
      this.#o.logger.info({ mutatingWebhookConfiguration: name, webhooks: hooks.length }, 'caBundle updated');
    } catch (err) {
      this.#caBundleCurrent = false;
      // Not fatal: the next check retries, and under failurePolicy Ignore pods are admitted meanwhile.
      this.#o.logger.warn({ mutatingWebhookConfiguration: name, err: describeApiError(err) }, 'could not update the caBundle');
    }
  }
}

interface Stored { cert: string; key: string; caBundle: string; caKey: string }

function decode(secret: V1Secret): Stored | undefined {
  const get = (k: string) => (secret.data?.[k] ? Buffer.from(secret.data[k], 'base64').toString('utf8') : '');
  const s = { cert: get(KEYS.cert), key: get(KEYS.key), caBundle: get(KEYS.caBundle), caKey: get(KEYS.caKey) };
  return s.cert && s.key && s.caBundle && s.caKey ? s : undefined;
}

function toMaterial(s: Stored): TlsMaterial {
  return { cert: s.cert, key: s.key, caBundle: s.caBundle, notAfter: notAfterOf(s.cert) };
}

const allPems = (bundle: string): string[] => bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g)?.map((p) => (p.endsWith('\n') ? p : `${p}\n`)) ?? [];
const firstPem = (bundle: string): string => allPems(bundle)[0] ?? '';
const stillValid = (pem: string, now: number): boolean => {
  try { return new Date(new X509Certificate(pem).validTo).getTime() > now; } catch { return false; }
};
/** The stored CA may sign when it parses, is a CA and outlives the certificate it would sign. */
function caUsable(ca: KeyPairPem, until: number, now: number): boolean {
  try {
    const x = new X509Certificate(ca.cert);
    return x.ca && new Date(x.validFrom).getTime() <= now && new Date(x.validTo).getTime() >= until;
  } catch {
    return false;
  }
}
