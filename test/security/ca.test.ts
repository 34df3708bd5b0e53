import { describe, expect, it } from 'vitest';
import {
  CA_LIFETIME_MS, NODE_CERT_LIFETIME_MS, BadCsrError, certificateFingerprint, certificateValidity, checkNodeCertificate,
  createClusterCa, createNodeKeyAndCsr, issueNodeCertificate, issueNodeKeyAndCertificate, keyMatchesCertificate, verifiedCsrPublicKey,
} from '../../src/security/ca.js';
import { adminCredential, isAdminCredential } from '../../src/security/admin-credential.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const DAY = 24 * 3600 * 1000;

describe('cluster CA', () => {
  it('is self-signed, valid from (a little before) now for its lifetime, and fingerprinted by its DER', async () => {
    const ca = await createClusterCa(T0);
    const v = certificateValidity(ca.certPem);
    expect(v.notBefore).toBeLessThanOrEqual(T0);
    expect(v.notBefore).toBeGreaterThan(T0 - 3600_000);
    expect(v.notAfter).toBe(T0 + CA_LIFETIME_MS - (CA_LIFETIME_MS % 1000));
    expect(keyMatchesCertificate(ca.keyPem, ca.certPem)).toBe(true);
    expect(certificateFingerprint(ca.certPem)).toMatch(/^[0-9a-f]{64}$/);
    const other = await createClusterCa(T0);
    expect(certificateFingerprint(other.certPem)).not.toBe(certificateFingerprint(ca.certPem));
    expect(keyMatchesCertificate(other.keyPem, ca.certPem)).toBe(false);
  });

  it('issues 90-day node certificates from a CSR, valid only for this CA and only within their lifetime', async () => {
    const ca = await createClusterCa(T0);
    const { keyPem, csrPem } = await createNodeKeyAndCsr('127.0.1.5:5051');
    const publicKey = await verifiedCsrPublicKey(csrPem);
    const issuedAt = T0 + 3 * DAY;
    const certPem = await issueNodeCertificate({ ca, publicKey, role: 'agent', name: '127.0.1.5:5051', ips: ['127.0.1.5'], now: issuedAt });
    expect(keyMatchesCertificate(keyPem, certPem)).toBe(true);
    const { notAfter } = certificateValidity(certPem);
    expect(notAfter).toBe(issuedAt + NODE_CERT_LIFETIME_MS);
    expect(checkNodeCertificate(certPem, ca.certPem, issuedAt + DAY)).toEqual({ ok: true, role: 'agent', name: '127.0.1.5:5051' });
    expect(checkNodeCertificate(certPem, ca.certPem, issuedAt + 89 * DAY).ok).toBe(true);
    const late = checkNodeCertificate(certPem, ca.certPem, issuedAt + 91 * DAY);
    expect(late.ok).toBe(false);
    expect(late.ok ? '' : late.reason).toMatch(/^expired on /);
    expect(checkNodeCertificate(certPem, ca.certPem, issuedAt - DAY).ok).toBe(false);
    const other = await createClusterCa(T0);
    expect(checkNodeCertificate(certPem, other.certPem, issuedAt + DAY)).toEqual({ ok: false, reason: 'not issued by this cluster CA' });
  });

  it('never issues past the CA expiry', async () => {
    const ca = await createClusterCa(T0);
    const nearEnd = T0 + CA_LIFETIME_MS - 10 * DAY;
    const node = await issueNodeKeyAndCertificate({ ca, role: 'master', name: 'm', ips: ['127.0.0.1'], now: nearEnd });
    expect(certificateValidity(node.certPem).notAfter).toBe(certificateValidity(ca.certPem).notAfter);
  });

  it('refuses a CSR that does not parse or whose signature does not match its key', async () => {
    await expect(verifiedCsrPublicKey('not a csr')).rejects.toBeInstanceOf(BadCsrError);
    const { csrPem } = await createNodeKeyAndCsr('x');
    // Flip one byte of the signature (the last bytes of the DER).
    const b64 = csrPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    const der = Buffer.from(b64, 'base64');
    der[der.length - 3] = der[der.length - 3]! ^ 0xff;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await expect(verifiedCsrPublicKey(tampered)).rejects.toBeInstanceOf(BadCsrError);
  });

  it('derives one admin credential per CA, checked in constant time', async () => {
    const ca = await createClusterCa(T0);
    const other = await createClusterCa(T0);
    const cred = adminCredential(ca.keyPem);
    expect(cred).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(adminCredential(ca.keyPem)).toBe(cred);
    expect(isAdminCredential(cred, ca.keyPem)).toBe(true);
    expect(isAdminCredential(cred, other.keyPem)).toBe(false);
    expect(isAdminCredential('', ca.keyPem)).toBe(false);
  });
});
