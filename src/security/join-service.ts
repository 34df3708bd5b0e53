// What the join and token endpoints do, on the leading master: create, list and revoke tokens,
// and admit a joining node (check its token, count one use through the Raft log, sign its CSR).
// Joins run one at a time, so two nodes cannot both take a token's last use.
import { TsmesosError } from '../domain/errors.js';
import type { Clock } from '../lib/clock.js';
import type { Rng } from '../lib/rng.js';
import type { Registry } from '../registry/registry.js';
import type { CommandLog } from '../registry/command-log.js';
import type { JoinTokenRow } from '../registry/security-table.js';
import { BadCsrError, issueNodeCertificate, verifiedCsrPublicKey, certificateFingerprint } from './ca.js';
import { formatJoinToken, hashSecret, newTokenParts, REFUSAL_MESSAGES, tokenRefusal, type TokenRole } from './join-token.js';
import { isAdminCredential } from './admin-credential.js';

export interface JoinServiceOptions {
  registry: Registry;
  clock: Clock;
  rng: Rng;
  /** The masters a token lists (`ip:port`), e.g. the Raft voters. */
  masters: () => string[];
  /** Adds a joining master to the Raft configuration (as a learner); resolves once applied. */
  addMaster: (node: string) => Promise<unknown>;
}

export interface JoinRequest {
  tokenId: string;
  secret: string;
  role: TokenRole;
  csrPem: string;
  /** The joining node's address and port (its certificate's name and IP). */
  ip: string;
  port: number;
}

/** A token as listed: never its secret or hash. */
export type TokenListing = Omit<JoinTokenRow, 'secretHash'>;

export class JoinService {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: JoinServiceOptions) {}

  private caOrUnavailable(): { certPem: string; keyPem: string } {
    const ca = this.opts.registry.clusterCa();
    if (!ca) throw new TsmesosError('UNAVAILABLE', 'the cluster CA is not created yet; retry in a moment');
    return ca;
  }

  /** Does this `Authorization` header carry the cluster's admin credential (Bearer)? */
  isAdmin(authorization: string | undefined): boolean {
    const ca = this.opts.registry.clusterCa();
    const m = authorization !== undefined ? /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(authorization) : null;
    return ca !== undefined && m !== null && isAdminCredential(m[1]!, ca.keyPem);
  }

  async createToken(log: CommandLog, req: { role: TokenRole; ttlMs: number; maxUses: number | null }): Promise<{ id: string; token: string; expiresAt: number }> {
    const ca = this.caOrUnavailable();
    const { id, secret } = newTokenParts((n) => this.opts.rng.bytes(n));
    const now = this.opts.clock.now();
    const expiresAt = now + req.ttlMs;
    await log.propose({ type: 'CREATE_JOIN_TOKEN', token: { id, secretHash: hashSecret(secret), role: req.role, createdAt: now, expiresAt, maxUses: req.maxUses } });
    const masters = this.opts.masters().map((m) => {
      const i = m.lastIndexOf(':');
      return { host: m.slice(0, i), port: Number(m.slice(i + 1)) };
    });
    return { id, token: formatJoinToken({ caHash: certificateFingerprint(ca.certPem), id, secret, masters }), expiresAt };
  }

  listTokens(): TokenListing[] {
    return this.opts.registry.joinTokens().map(({ secretHash: _, ...rest }) => rest);
  }

  async revokeToken(log: CommandLog, id: string): Promise<TokenListing> {
    if (!this.opts.registry.joinToken(id)) throw new TsmesosError('NOT_FOUND', `no join token ${id}`);
    await log.propose({ type: 'REVOKE_JOIN_TOKEN', id, at: this.opts.clock.now() });
    const { secretHash: _, ...rest } = this.opts.registry.joinToken(id)!;
    return rest;
  }

  /** Admits a node: its certificate and the CA's, or a TsmesosError (401 for a bad token, 400 for a bad CSR). */
  join(log: CommandLog, req: JoinRequest): Promise<{ certPem: string; caPem: string }> {
    const run = this.queue.then(() => this.joinNow(log, req));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async joinNow(log: CommandLog, req: JoinRequest): Promise<{ certPem: string; caPem: string }> {
    const ca = this.caOrUnavailable();
    const refuse = (why: keyof typeof REFUSAL_MESSAGES): never => {
      throw new TsmesosError(why === 'wrong-role' ? 'FORBIDDEN' : 'UNAUTHORIZED', REFUSAL_MESSAGES[why]);
    };
    const before = this.opts.registry.joinToken(req.tokenId);
    const now = this.opts.clock.now();
    const why = tokenRefusal(before, req.secret, req.role, now);
    if (why !== null) refuse(why);
    const node = `${req.ip}:${req.port}`;
    if (req.role === 'master' && this.opts.masters().includes(node)) throw new TsmesosError('CONFLICT', `${node} is already a master of this cluster`);
    let publicKey;
    try {
      publicKey = await verifiedCsrPublicKey(req.csrPem);
    } catch (e) {
      if (e instanceof BadCsrError) throw new TsmesosError('BAD_REQUEST', e.message);
      throw e;
    }
    await log.propose({ type: 'USE_JOIN_TOKEN', id: req.tokenId, at: now });
    // The apply case counts a use only while the token is usable: confirm ours was counted.
    const after = this.opts.registry.joinToken(req.tokenId);
    if (!after || after.uses !== before!.uses + 1) refuse(tokenRefusal(after, req.secret, req.role, now) ?? 'exhausted');
    const certPem = await issueNodeCertificate({ ca, publicKey, role: req.role, name: node, ips: [req.ip], now });
    // The leader replicates to the new master as soon as it is configured: over mutual TLS with
    // the certificate it gets now (an unreachable learner only costs retries until it starts).
    if (req.role === 'master') await this.opts.addMaster(node);
    return { certPem, caPem: ca.certPem };
  }
}
