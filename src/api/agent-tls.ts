import type { MiddlewareHandler } from 'hono';
import type { DetailedPeerCertificate } from 'node:tls';
import { TsmesosError } from '../domain/errors.js';
import { tlsSocketOf } from '../lib/http-server.js';

export const PLAIN_AGENT_REFUSED = 'this cluster requires agents to connect over mutual TLS with a certificate of its CA: join the agent with `tsmesos join <token>` (a master started with --agent-tls optional also lets plain-HTTP agents in)';

/**
 * On the agent channel: over TLS, only an agent certificate of this cluster's CA, valid now
 * (the TLS layer verified chain and dates: `authorized`); over plain HTTP, only while
 * `refusePlain()` is false (no CA yet, or `--agent-tls optional`).
 */
export function agentCertificateOverTls(refusePlain: () => boolean = () => false): MiddlewareHandler {
  return async (c, next) => {
    const socket = tlsSocketOf(c.env);
    if (socket) {
      const cert = socket.getPeerCertificate() as DetailedPeerCertificate | Record<string, never>;
      const role = 'subject' in cert ? cert.subject?.OU : undefined;
      if (!socket.authorized || role !== 'agent') {
        const why = Object.keys(cert).length === 0 ? 'no client certificate' : !socket.authorized ? `certificate refused (${String(socket.authorizationError)})` : `not an agent certificate (OU ${String(role)})`;
        throw new TsmesosError('UNAUTHORIZED', `the agent channel over TLS needs this cluster's agent certificate: ${why}`);
      }
    } else if (refusePlain()) {
      throw new TsmesosError('UNAUTHORIZED', PLAIN_AGENT_REFUSED);
    }
    await next();
  };
}
