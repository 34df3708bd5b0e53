// THE hook for authenticating Raft peers. Outgoing requests carry whatever headers
// `outgoingHeaders` returns; incoming batches, streams and membership changes are refused
// (401 with the reason) unless `refusal` returns null.
import type { TLSSocket } from 'node:tls';

export interface PeerRequest {
  /** The request's lower-cased headers. */
  headers: Record<string, string>;
  /** The claimed sender id (`ip:port`); '' on the membership endpoint. */
  from: string;
  /** The TLS socket it came on; null for plain HTTP. */
  socket: TLSSocket | null;
}

export interface PeerAuthenticator {
  outgoingHeaders(): Record<string, string>;
  /** Why this request is refused, or null to let it in. */
  refusal(req: PeerRequest): string | null;
}

/** No authentication between masters (in-process tests of the consensus layer only). */
export const NO_PEER_AUTH: PeerAuthenticator = {
  outgoingHeaders: () => ({}),
  refusal: () => null,
};
