// Join tokens: `TSM1.<sha256 of the CA cert DER, hex>.<id>.<secret>@host:port,host:port`.
// The CA hash lets a joining node recognise its cluster before it reveals the secret; the
// registry keeps only a hash of the secret. Pure: time and randomness come in.
import { createHash, timingSafeEqual } from 'node:crypto';

export const TOKEN_VERSION = 'TSM1';
export const TOKEN_ROLES = ['agent', 'master'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export interface JoinToken {
  caHash: string;
  id: string;
  secret: string;
  masters: { host: string; port: number }[];
}

/** The stored form of a token: never the secret. */
export interface JoinTokenRecord {
  id: string;
  secretHash: string;
  role: TokenRole;
  createdAt: number;
  expiresAt: number;
  /** null: unlimited. */
  maxUses: number | null;
  uses: number;
  revokedAt: number | null;
}

export class MalformedTokenError extends Error {}

const ID_RE = /^[0-9a-f]{16}$/;
const SECRET_RE = /^[A-Za-z0-9_-]{43}$/;
const HASH_RE = /^[0-9a-f]{64}$/;
const HOST_PORT_RE = /^([A-Za-z0-9.-]{1,253}):(\d{1,5})$/;
const MAX_TOKEN_LENGTH = 4096;

/** A fresh id (8 random bytes, hex) and secret (32 random bytes, base64url). */
export function newTokenParts(randomBytes: (n: number) => Buffer): { id: string; secret: string } {
  return { id: randomBytes(8).toString('hex'), secret: randomBytes(32).toString('base64url') };
}

export function formatJoinToken(t: JoinToken): string {
  return `${TOKEN_VERSION}.${t.caHash}.${t.id}.${t.secret}@${t.masters.map((m) => `${m.host}:${m.port}`).join(',')}`;
}

/** Parses a token; anything off is a MalformedTokenError saying which part (never echoing the secret). */
export function parseJoinToken(text: string): JoinToken {
  const bad = (what: string): never => {
    throw new MalformedTokenError(`malformed join token: ${what} (expected ${TOKEN_VERSION}.<ca-hash>.<id>.<secret>@host:port[,host:port])`);
  };
  const s = text.trim();
  if (s.length > MAX_TOKEN_LENGTH) bad('too long');
  const at = s.indexOf('@');
  if (at < 0) bad('no @host:port list');
  const parts = s.slice(0, at).split('.');
  if (parts.length !== 4) bad('it does not have four dot-separated parts before the @');
  const [version, caHash, id, secret] = parts as [string, string, string, string];
  if (version !== TOKEN_VERSION) bad(`unknown version '${version.slice(0, 10)}'`);
  if (!HASH_RE.test(caHash)) bad('the CA hash is not 64 hex digits');
  if (!ID_RE.test(id)) bad('the id is not 16 hex digits');
  if (!SECRET_RE.test(secret)) bad('the secret is not 43 base64url characters');
  const list = s.slice(at + 1).split(',').filter((x) => x.length > 0);
  if (list.length === 0 || list.length > 16) bad('expected 1 to 16 master addresses after the @');
  const masters = list.map((hp) => {
    const m = HOST_PORT_RE.exec(hp);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) return bad(`bad master address '${hp.slice(0, 60)}'`);
    return { host: m[1]!, port };
  });
  return { caHash, id, secret, masters };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented secret with the stored hash. */
export function secretMatches(secret: string, secretHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(secretHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export type TokenRefusal = 'unknown' | 'expired' | 'revoked' | 'exhausted' | 'wrong-role';

/** Why a token cannot be used now by a node joining as `role`; null when it can. The secret is checked first. */
export function tokenRefusal(rec: JoinTokenRecord | undefined, secret: string, role: TokenRole, now: number): TokenRefusal | null {
  if (!rec || !secretMatches(secret, rec.secretHash)) return 'unknown';
  if (rec.revokedAt !== null) return 'revoked';
  if (now >= rec.expiresAt) return 'expired';
  if (rec.maxUses !== null && rec.uses >= rec.maxUses) return 'exhausted';
  if (rec.role !== role) return 'wrong-role';
  return null;
}

/** The one-line reason shown to the joining node. */
export const REFUSAL_MESSAGES: Readonly<Record<TokenRefusal, string>> = {
  unknown: 'the join token is not known to this cluster (wrong secret, or deleted)',
  expired: 'the join token has expired; create a new one with `tsmesos token create`',
  revoked: 'the join token was revoked',
  exhausted: 'the join token has no uses left',
  'wrong-role': 'the join token is for another role',
};
