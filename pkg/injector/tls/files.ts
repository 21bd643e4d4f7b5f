/**
 * Certificates from a mounted Secret (cert-manager's Certificate, or one you
 * manage): `tls.crt`, `tls.key` and, when present, `ca.crt`. The kubelet
 * updates a mounted Secret in place, so each check re-reads the files.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { notAfterOf, type TlsMaterial } from './material.ts';

export class FileCertificates {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** cert-manager's CA injector keeps the caBundle: nothing to retry here. */
  readonly settled = true;

  async ensure(): Promise<TlsMaterial> {
    const [cert, key, caBundle] = await Promise.all([
      readFile(join(this.#dir, 'tls.crt'), 'utf8'),
      readFile(join(this.#dir, 'tls.key'), 'utf8'),
      readFile(join(this.#dir, 'ca.crt'), 'utf8').catch(() => ''),
    ]);
    return { cert, key, caBundle, notAfter: notAfterOf(cert) };
  }
}
