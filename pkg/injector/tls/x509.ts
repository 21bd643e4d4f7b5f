/**
 * A private CA and the webhook's serving certificate, made with node:crypto
 * (ECDSA P-256, SHA-256) and the DER encoder beside this file. The API
 * server trusts the CA through the MutatingWebhookConfiguration's caBundle.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { bitString, boolean, explicit, implicitPrimitive, namedBits, octetString, oid, sequence, set, smallInteger, time, unsignedInteger, utf8String } from './der.ts';

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';
const EXT = { basicConstraints: '2.5.29.19', keyUsage: '2.5.29.15', extKeyUsage: '2.5.29.37', subjectAltName: '2.5.29.17', subjectKeyId: '2.5.29.14', authorityKeyId: '2.5.29.35' };
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 };

export interface KeyPairPem {
  /** PEM certificate. */
  cert: string;
  /** PEM PKCS#8 private key. */
  key: string;
}

export interface CertificateOptions {
  commonName: string;
  notBefore: Date;
  notAfter: Date;
}

const name = (cn: string): Buffer => sequence(set(sequence(oid(COMMON_NAME), utf8String(cn))));
const extension = (id: string, critical: boolean, value: Buffer): Buffer => sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
const spkiOf = (key: KeyObject): Buffer => key.export({ type: 'spki', format: 'der' });
/** RFC 7093 §2 method 1: the leftmost 160 bits of the SHA-256 of the public key info. */
const keyId = (spki: Buffer): Buffer => createHash('sha256').update(spki).digest().subarray(0, 20);
const pem = (label: string, der: Buffer): string => `-----BEGIN ${label}-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;

function build(subject: string, issuer: string, subjectKey: KeyObject, issuerPublic: KeyObject, signer: KeyObject, opts: CertificateOptions, extensions: Buffer[]): string {
  const spki = spkiOf(subjectKey);
  const algorithm = sequence(oid(ECDSA_SHA256));
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const tbs = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(serial),
    algorithm,
    name(issuer),
    sequence(time(opts.notBefore), time(opts.notAfter)),
    name(subject),
    spki,
    explicit(3, sequence(
      ...extensions,
      extension(EXT.subjectKeyId, false, octetString(keyId(spki))),
      extension(EXT.authorityKeyId, false, sequence(implicitPrimitive(0, keyId(spkiOf(issuerPublic))))),
    )),
  );
  const signature = sign('sha256', tbs, signer);
  return pem('CERTIFICATE', sequence(tbs, algorithm, bitString(signature)));
}

function newKeyPair() {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

/** A self-signed CA that may sign leaf certificates only (pathLen 0). */
export function createCertificateAuthority(opts: CertificateOptions): KeyPairPem {
  const { publicKey, privateKey } = newKeyPair();
  const cert = build(opts.commonName, opts.commonName, publicKey, publicKey, privateKey, opts, [
    extension(EXT.basicConstraints, true, sequence(boolean(true), smallInteger(0))),
    extension(EXT.keyUsage, true, namedBits([KEY_USAGE.digitalSignature, KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign])),
  ]);
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

/** A TLS server certificate for `dnsNames`, signed by `ca`. */
export function issueServingCertificate(ca: KeyPairPem, dnsNames: readonly string[], opts: CertificateOptions): KeyPairPem {
  const caCert = new X509Certificate(ca.cert);
  const { publicKey, privateKey } = newKeyPair();
  const cert = build(opts.commonName, caCert.subject.replace(/^CN=/, ''), publicKey, createPublicKey(ca.cert), createPrivateKey(ca.key), opts, [
    extension(EXT.basicConstraints, true, sequence()),
    extension(EXT.keyUsage, true, namedBits([KEY_USAGE.digitalSignature])),
    extension(EXT.extKeyUsage, false, sequence(oid(SERVER_AUTH))),
    extension(EXT.subjectAltName, false, sequence(...dnsNames.map((n) => implicitPrimitive(2, Buffer.from(n, 'ascii'))))),
  ]);
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}
