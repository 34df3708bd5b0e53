import { Hono } from 'hono';
import { z } from 'zod';
import type { DetailedPeerCertificate } from 'node:tls';
import { TsmesosError } from '../domain/errors.js';
import { isIPv4 } from '../domain/mesos.js';
import type { Clock } from '../lib/clock.js';
import { tlsSocketOf } from '../lib/http-server.js';
import type { Registry } from '../registry/registry.js';
import { BadCsrError, issueNodeCertificate, verifiedCsrPublicKey } from '../security/ca.js';
import { RENEW_PATH } from '../security/paths.js';
import { readJsonBody } from './http-errors.js';

const MAX_BODY = 64 * 1024;
const RenewBody = z.strictObject({ csr: z.string().min(1).max(16 * 1024) });

/**
 * `POST /tsmesos/v1/renew`: a node with a valid certificate of this cluster (mutual TLS) gets a
 * fresh one for a new key, with the same role, name and IP. Any master can sign (the CA is
 * replicated), so it is not leader-gated.
 */
export function renewApp(deps: { registry: Registry; clock: Clock }): Hono {
  const app = new Hono();
  app.all(RENEW_PATH, async (c) => {
    if (c.req.method !== 'POST') throw new TsmesosError('METHOD_NOT_ALLOWED', 'renew accepts POST only');
    const socket = tlsSocketOf(c.env);
    const peer = socket?.getPeerCertificate() as DetailedPeerCertificate | Record<string, never> | undefined;
    if (!socket || !socket.authorized || !peer || !('subject' in peer)) {
      throw new TsmesosError('UNAUTHORIZED', 'renewal needs a valid certificate of this cluster (mutual TLS)');
    }
    const role = peer.subject.OU;
    const name = peer.subject.CN;
    const ips = (peer.subjectaltname ?? '').split(', ').filter((s) => s.startsWith('IP Address:')).map((s) => s.slice('IP Address:'.length)).filter(isIPv4);
    if ((role !== 'agent' && role !== 'master') || typeof name !== 'string') throw new TsmesosError('FORBIDDEN', 'this certificate cannot be renewed');
    const parsed = RenewBody.safeParse(await readJsonBody(c, MAX_BODY));
    if (!parsed.success) throw new TsmesosError('BAD_REQUEST', `renew: ${parsed.error.issues[0]?.message ?? 'bad body'}`);
    const ca = deps.registry.clusterCa();
    if (!ca) throw new TsmesosError('UNAVAILABLE', 'the cluster CA is not known here yet; retry');
    let publicKey;
    try {
      publicKey = await verifiedCsrPublicKey(parsed.data.csr);
    } catch (e) {
      if (e instanceof BadCsrError) throw new TsmesosError('BAD_REQUEST', e.message);
      throw e;
    }
    const certificate = await issueNodeCertificate({ ca, publicKey, role, name, ips, now: deps.clock.now() });
    return c.json({ certificate });
  });
  return app;
}
