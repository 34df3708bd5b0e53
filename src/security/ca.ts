// The cluster certificate authority and the node certificates it issues. Pure functions of
// their inputs: time comes in as `now` (ms), so lifetimes and expiry are tested with a manual
// clock; only key generation and serial numbers draw on the system's randomness.
import { createHash, createPrivateKey, createPublicKey, randomBytes, X509Certificate } from 'node:crypto';
import { EC_ALGORITHM, subtle, x509, type CryptoKey } from './x509.js';

export const NODE_ROLES = ['master', 'agent', 'admin'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

/** Node certificates are short-lived (renewal replaces them well before this). */
export const NODE_CERT_LIFETIME_MS = 90 * 24 * 3600 * 1000;
export const CA_LIFETIME_MS = 10 * 365 * 24 * 3600 * 1000;
/** Certificates start a little in the past: a peer whose clock lags by minutes still accepts them. */
const BACKDATE_MS = 5 * 60 * 1000;

/** A certificate and its private key, both PEM (the key PKCS#8). */
export interface KeyAndCert {
  certPem: string;
  keyPem: string;
}

const serial = (): string => {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f; // a positive INTEGER
  return b.toString('hex');
};

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await subtle.exportKey('pkcs8', key));
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function importSigningKey(keyPem: string): Promise<CryptoKey> {
  const der = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' });
  return subtle.importKey('pkcs8', der, EC_ALGORITHM, false, ['sign']);
}

/** A new self-signed cluster CA valid from `now` for CA_LIFETIME_MS. */
export async function createClusterCa(now: number, clusterName = 'tsmesos cluster CA'): Promise<KeyAndCert> {
  const keys = await subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${clusterName}, O=tsmesos`,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + CA_LIFETIME_MS),
    signingAlgorithm: EC_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(keys.privateKey) };
}

/** SHA-256 of the certificate's DER, lower-case hex: what a join token pins. */
export function certificateFingerprint(certPem: string): string {
  return createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex');
}

/** A fresh node key and a CSR for it (the key never leaves the node). */
export async function createNodeKeyAndCsr(commonName: string): Promise<{ keyPem: string; csrPem: string }> {
  const keys = await subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${escapeDn(commonName)}`, keys, signingAlgorithm: EC_ALGORITHM });
  return { keyPem: await exportKeyPem(keys.privateKey), csrPem: csr.toString('pem') };
}

/** Thrown for a CSR that does not parse or whose signature does not verify. */
export class BadCsrError extends Error {}

/** The CSR's public key, after checking the CSR is signed by it (proof the requester holds the key). */
export async function verifiedCsrPublicKey(csrPem: string): Promise<CryptoKey> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (e) {
    throw new BadCsrError(`the CSR does not parse: ${e instanceof Error ? e.message : String(e)}`);
  }
  let ok = false;
  try {
    ok = await csr.verify();
  } catch {
    ok = false;
  }
  if (!ok) throw new BadCsrError('the CSR signature does not verify');
  try {
    // The library types its keys with the DOM's CryptoKey, which this Node project does not load.
    const key: unknown = await csr.publicKey.export(EC_ALGORITHM, ['verify']);
    return key as CryptoKey;
  } catch {
    throw new BadCsrError('the CSR key is not an ECDSA P-256 key');
  }
}

export interface NodeCertRequest {
  ca: KeyAndCert;
  publicKey: CryptoKey;
  role: NodeRole;
  /** Subject CN, e.g. `127.0.1.5:5051`. */
  name: string;
  /** IP addresses for the subjectAltName. */
  ips: string[];
  now: number;
  lifetimeMs?: number;
}

/** A node certificate signed by the CA: role in OU, both server and client use, NODE_CERT_LIFETIME_MS by default. */
export async function issueNodeCertificate(req: NodeCertRequest): Promise<string> {
  const caCert = new x509.X509Certificate(req.ca.certPem);
  const lifetime = req.lifetimeMs ?? NODE_CERT_LIFETIME_MS;
  const notAfter = Math.min(req.now + lifetime, caCert.notAfter.getTime());
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${escapeDn(req.name)}, OU=${req.role}, O=tsmesos`,
    issuer: caCert.subject,
    notBefore: new Date(req.now - BACKDATE_MS),
    notAfter: new Date(notAfter),
    signingAlgorithm: EC_ALGORITHM,
    publicKey: req.publicKey,
    signingKey: await importSigningKey(req.ca.keyPem),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(req.ips.map((ip) => ({ type: 'ip' as const, value: ip }))),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ],
  });
  return cert.toString('pem');
}

/** A key pair and a certificate for it in one step (a master issuing its own). */
export async function issueNodeKeyAndCertificate(req: Omit<NodeCertRequest, 'publicKey'>): Promise<KeyAndCert> {
  const keys = await subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify']);
  return { certPem: await issueNodeCertificate({ ...req, publicKey: keys.publicKey }), keyPem: await exportKeyPem(keys.privateKey) };
}

export type CertCheck = { ok: true; role: string; name: string } | { ok: false; reason: string };

/** Is `certPem` a node certificate of this CA, valid at `now`? (What a TLS peer check decides, as a pure function.) */
export function checkNodeCertificate(certPem: string, caPem: string, now: number): CertCheck {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return { ok: false, reason: 'not a certificate' };
  }
  const ca = new X509Certificate(caPem);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return { ok: false, reason: 'not issued by this cluster CA' };
  if (now < Date.parse(cert.validFrom)) return { ok: false, reason: 'not valid yet' };
  if (now > Date.parse(cert.validTo)) return { ok: false, reason: `expired on ${new Date(Date.parse(cert.validTo)).toISOString()}` };
  const fields = subjectFields(cert.subject);
  return { ok: true, role: fields['OU'] ?? '', name: fields['CN'] ?? '' };
}

/** notBefore / notAfter of a certificate, ms. */
export function certificateValidity(certPem: string): { notBefore: number; notAfter: number } {
  const c = new X509Certificate(certPem);
  return { notBefore: Date.parse(c.validFrom), notAfter: Date.parse(c.validTo) };
}

/** Does the key belong to the certificate? (A data dir whose files were mixed up is refused at start.) */
export function keyMatchesCertificate(keyPem: string, certPem: string): boolean {
  const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  const fromCert = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return Buffer.compare(fromKey, fromCert) === 0;
}

/** `CN=a\nOU=b` (Node's subject text) as fields. */
function subjectFields(subject: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of subject.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

function escapeDn(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`);
}
