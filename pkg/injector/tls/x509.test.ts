import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { namedBits, oid, time, unsignedInteger } from './der.ts';
import { createCertificateAuthority, issueServingCertificate } from './x509.ts';

const notBefore = new Date('2026-01-01T00:00:00Z');
const notAfter = new Date('2027-01-01T00:00:00Z');

describe('DER', () => {
  it('encodes the known vectors of X.690', () => {
    expect(oid('1.2.840.10045.4.3.2').toString('hex')).toBe('06082a8648ce3d040302');
    expect(oid('2.5.29.19').toString('hex')).toBe('0603551d13');
    expect(unsignedInteger(Buffer.from([0x80])).toString('hex')).toBe('02020080');
    expect(unsignedInteger(Buffer.from([0, 0, 5])).toString('hex')).toBe('020105');
    expect(namedBits([0]).toString('hex')).toBe('03020780');
    expect(namedBits([0, 5, 6]).toString('hex')).toBe('03020186');
    expect(time(new Date('2049-12-31T23:59:59Z')).toString('latin1')).toBe('\x17\x0d491231235959Z');
    expect(time(new Date('2050-01-01T00:00:00Z')).toString('latin1')).toBe('\x18\x0f20500101000000Z');
  });
});

describe('x509', () => {
  const ca = createCertificateAuthority({ commonName: 'pilotfish-injector-ca', notBefore, notAfter: new Date('2036-01-01T00:00:00Z') });
  const leaf = issueServingCertificate(ca, ['pilotfish-injector', 'pilotfish-injector.pilotfish.svc'], { commonName: 'pilotfish-injector.pilotfish.svc', notBefore, notAfter });

  it('makes a self-signed CA that node parses as a CA', () => {
    const x = new X509Certificate(ca.cert);
    expect(x.ca).toBe(true);
    expect(x.subject).toBe('CN=pilotfish-injector-ca');
    expect(x.issuer).toBe(x.subject);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(new Date(x.validTo).toISOString()).toBe('2036-01-01T00:00:00.000Z');
    expect(x.publicKey.equals(createPublicKey(createPrivateKey(ca.key)))).toBe(true);
  });

  it('issues a serving certificate the CA signed, for exactly its DNS names', () => {
    const x = new X509Certificate(leaf.cert);
    const caX = new X509Certificate(ca.cert);
    expect(x.ca).toBe(false);
    expect(x.checkIssued(caX)).toBe(true);
    expect(x.verify(caX.publicKey)).toBe(true);
    expect(x.verify(x.publicKey)).toBe(false);
    expect(x.subjectAltName).toBe('DNS:pilotfish-injector, DNS:pilotfish-injector.pilotfish.svc');
    expect(x.checkHost('pilotfish-injector.pilotfish.svc')).toBe('pilotfish-injector.pilotfish.svc');
    expect(x.checkHost('other.pilotfish.svc')).toBeUndefined();
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(new Date(x.validFrom).toISOString()).toBe(notBefore.toISOString());
    expect(new Date(x.validTo).toISOString()).toBe(notAfter.toISOString());
    expect(x.checkPrivateKey(createPrivateKey(leaf.key))).toBe(true);
  });

  it('gives every certificate its own serial and key', () => {
    const again = issueServingCertificate(ca, ['a'], { commonName: 'a', notBefore, notAfter });
    expect(new X509Certificate(again.cert).serialNumber).not.toBe(new X509Certificate(leaf.cert).serialNumber);
    expect(again.key).not.toBe(leaf.key);
  });
});
