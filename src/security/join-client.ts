// The joining side: find a master of the token, check the CA it serves against the token's
// hash BEFORE anything secret is sent, then present the secret and a CSR over TLS pinned to
// that CA (the server must hold a master certificate of it) and take the signed certificate.
import { HttpClient, type HttpResponse } from '../lib/http-client.js';
import { certificateFingerprint, checkNodeCertificate, createNodeKeyAndCsr, keyMatchesCertificate } from './ca.js';
import type { JoinToken, TokenRole } from './join-token.js';
import type { NodeTlsFiles } from './files.js';
import { CA_PATH, JOIN_PATH } from './paths.js';

/** A join that cannot go on; `message` is the one line the user sees. */
export class JoinFailure extends Error {}

export interface JoinOptions {
  role: TokenRole;
  /** The joining node's address (its certificate's IP; also where its connections leave from). */
  ip: string;
  port: number;
  now: () => number;
}

const where = (m: { host: string; port: number }): string => `${m.host}:${m.port}`;

function errorMessage(res: HttpResponse): string {
  try {
    const m = (JSON.parse(res.body) as { message?: unknown }).message;
    if (typeof m === 'string') return m;
  } catch {
    // not JSON
  }
  return `${res.status} ${res.body.slice(0, 200)}`;
}

/** The cluster CA as served by one of the token's masters, checked against the token's hash. */
async function fetchPinnedCa(token: JoinToken, plain: HttpClient): Promise<{ caPem: string; master: { host: string; port: number } }> {
  const problems: string[] = [];
  for (const m of token.masters) {
    let res: HttpResponse;
    try {
      res = await plain.request({ host: m.host, port: m.port, path: CA_PATH, timeoutMs: 5000, connectTimeoutMs: 3000 });
    } catch (e) {
      problems.push(`${where(m)}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (res.status !== 200) {
      problems.push(`${where(m)}: ${errorMessage(res)}`);
      continue;
    }
    let caPem: unknown;
    let fingerprint: string | null = null;
    try {
      caPem = (JSON.parse(res.body) as { certificate?: unknown }).certificate;
      if (typeof caPem === 'string') fingerprint = certificateFingerprint(caPem);
    } catch {
      fingerprint = null;
    }
    if (typeof caPem !== 'string' || fingerprint !== token.caHash) {
      throw new JoinFailure(`the CA served by ${where(m)} does not match the token: this token belongs to another cluster, or someone is intercepting`);
    }
    return { caPem, master: m };
  }
  throw new JoinFailure(`cannot reach a master of the token (${problems.join('; ').slice(0, 400)})`);
}

/** Joins the cluster of `token`: the CA, this node's new key and the certificate the cluster signed for it. */
export async function joinCluster(token: JoinToken, opts: JoinOptions): Promise<NodeTlsFiles> {
  const plain = new HttpClient({ localAddress: opts.ip });
  const { caPem, master } = await fetchPinnedCa(token, plain);
  const { keyPem, csrPem } = await createNodeKeyAndCsr(`${opts.ip}:${opts.port}`);
  const pinned = new HttpClient({ localAddress: opts.ip, tls: { caPem, serverRole: 'master' } });
  let res: HttpResponse;
  try {
    res = await pinned.requestFollowingRedirects({
      host: master.host, port: master.port, path: JOIN_PATH, method: 'POST', timeoutMs: 15_000,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token_id: token.id, secret: token.secret, role: opts.role, csr: csrPem, ip: opts.ip, port: opts.port }),
    });
  } catch (e) {
    throw new JoinFailure(`cannot join through ${where(master)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (res.status !== 200) throw new JoinFailure(`the cluster refused the join: ${errorMessage(res)}`);
  const certPem = (JSON.parse(res.body) as { certificate?: unknown }).certificate;
  if (typeof certPem !== 'string') throw new JoinFailure('the master answered the join without a certificate');
  const check = checkNodeCertificate(certPem, caPem, opts.now());
  if (!check.ok || check.role !== opts.role || !keyMatchesCertificate(keyPem, certPem)) {
    throw new JoinFailure(`the master answered the join with an unusable certificate (${check.ok ? 'wrong role or key' : check.reason})`);
  }
  return { caPem, certPem, keyPem };
}
