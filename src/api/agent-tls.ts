import type { MiddlewareHandler } from 'hono';
import type { DetailedPeerCertificate } from 'node:tls';
import { TsmesosError } from '../domain/errors.js';
import { tlsSocketOf } from '../lib/http-server.js';

/**
 * On the agent channel over TLS: only an agent certificate of this cluster's CA, valid now
 * (the TLS layer verified chain and dates: `authorized`). Plain-HTTP agents are still let in
 * for now (`up --role agent --master` without a token); closing that is the next step.
 */
export function agentCertificateOverTls(): MiddlewareHandler {
  return async (c, next) => {
    const socket = tlsSocketOf(c.env);
    if (socket) {
      const cert = socket.getPeerCertificate() as DetailedPeerCertificate | Record<string, never>;
      const role = 'subject' in cert ? cert.subject?.OU : undefined;
      if (!socket.authorized || role !== 'agent') {
        const why = Object.keys(cert).length === 0 ? 'no client certificate' : !socket.authorized ? `certificate refused (${String(socket.authorizationError)})` : `not an agent certificate (OU ${String(role)})`;
        throw new TsmesosError('UNAUTHORIZED', `the agent channel over TLS needs this cluster's agent certificate: ${why}`);
      }
    }
    await next();
  };
}
