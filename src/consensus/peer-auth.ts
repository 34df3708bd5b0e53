// THE hook for authenticating Raft peers (a later issue adds mTLS or a shared secret).
// Outgoing batches carry whatever headers `outgoingHeaders` returns; incoming batches,
// membership changes and the benchmark endpoint are refused unless `verify` accepts them.
export interface PeerAuthenticator {
  outgoingHeaders(): Record<string, string>;
  /** `headers` are the request's lower-cased headers; `from` is the claimed sender id. */
  verify(headers: Record<string, string>, from: string): boolean;
}

/** Today's behaviour: no authentication between masters (loopback / trusted network only). */
export const NO_PEER_AUTH: PeerAuthenticator = {
  outgoingHeaders: () => ({}),
  verify: () => true,
};
