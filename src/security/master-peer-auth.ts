// Who may speak Raft to a master: once this master holds a certificate of the cluster CA,
// only another master of the cluster, over mutual TLS (a master certificate, valid now, whose
// name is the node id it claims to send from), or on the membership endpoint an operator with
// the admin credential. Before that (founding masters bootstrapping a new cluster over
// `--peers`, which is the trusted-network step that creates the CA) plain HTTP is let in.
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';

/** A request to a Raft endpoint (the consensus layer's PeerRequest; this layer may not import it). */
export interface PeerRequest {
  headers: Record<string, string>;
  /** The claimed sender id; '' on the membership endpoint. */
  from: string;
  socket: TLSSocket | null;
}

/** Structurally the consensus layer's PeerAuthenticator. */
export interface MasterPeerAuthenticator {
  outgoingHeaders(): Record<string, string>;
  refusal(req: PeerRequest): string | null;
}

export interface MasterPeerAuthOptions {
  /** Whether this master holds its certificate (then plain HTTP is refused for good). */
  secured: () => boolean;
  /** Does this Authorization header carry the admin credential? */
  isAdmin: (authorization: string | undefined) => boolean;
}

export const PLAIN_REFUSED = 'this cluster requires mutual TLS between masters with a certificate of its CA; plain HTTP is refused (a new master joins with `tsmesos join --role master <token>`)';

export function masterPeerAuth(opts: MasterPeerAuthOptions): MasterPeerAuthenticator {
  return {
    outgoingHeaders: () => ({}),
    refusal: (req) => {
      if (req.from === '' && opts.isAdmin(req.headers['authorization'])) return null;
      if (!req.socket) return opts.secured() ? PLAIN_REFUSED : null;
      return masterCertificateRefusal(req);
    },
  };
}

/** Why the TLS peer of `req` is not a master of this cluster sending as `req.from`, or null. */
function masterCertificateRefusal(req: PeerRequest): string | null {
  const socket = req.socket!;
  const cert = socket.getPeerCertificate() as DetailedPeerCertificate | Record<string, never>;
  if (!('subject' in cert) || Object.keys(cert).length === 0) return 'no client certificate (masters present their cluster certificate)';
  if (!socket.authorized) return `the client certificate is refused: ${String(socket.authorizationError)} (not issued by this cluster's CA, or expired)`;
  if (cert.subject.OU !== 'master') return `not a master certificate (OU ${String(cert.subject.OU)})`;
  if (req.from !== '' && cert.subject.CN !== req.from) return `the certificate is for master ${String(cert.subject.CN)}, not ${req.from.slice(0, 60)}`;
  return null;
}
