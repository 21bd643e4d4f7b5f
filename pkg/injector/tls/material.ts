import { X509Certificate } from 'node:crypto';

/** What the HTTPS listener serves and what the API server must trust. */
export interface TlsMaterial {
  /** PEM serving certificate. */
  cert: string;
  /** PEM private key of `cert`. */
  key: string;
  /** PEM CA certificate(s) the API server trusts (the MutatingWebhookConfiguration's caBundle). */
  caBundle: string;
  notAfter: Date;
}

export function notAfterOf(certPem: string): Date {
  return new Date(new X509Certificate(certPem).validTo);
}

/** True when `certPem` is valid at `now` for at least `marginMs` more and names every one of `dnsNames`. */
export function servesFor(certPem: string, dnsNames: readonly string[], now: number, marginMs: number): boolean {
  try {
    const x = new X509Certificate(certPem);
    if (new Date(x.validFrom).getTime() > now || new Date(x.validTo).getTime() - marginMs <= now) return false;
    const names = (x.subjectAltName ?? '').split(', ').map((s) => s.replace(/^DNS:/, ''));
    return dnsNames.every((n) => names.includes(n));
  } catch {
    return false;
  }
}
