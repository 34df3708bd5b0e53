// Principals (frameworks and operators) and how a request proves to be one: HTTP Basic with
// the principal's name and secret (what Mesos frameworks send), or Bearer with either the
// cluster's admin credential (principal `admin`) or the principal's token (base64url of
// `name:secret`, printed by `tsmesos principal add`). Secrets are stored salted and scrypt-hashed;
// a verified (name, secret, stored hash) triple is remembered so a scheduler's every call does
// not pay for scrypt again.
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { PrincipalRow } from '../registry/security-table.js';

export const PRINCIPAL_NAME = /^[A-Za-z0-9._@-]{1,128}$/;
export const ADMIN_PRINCIPAL = 'admin';
export const MIN_SECRET = 8;
export const MAX_SECRET = 512;
const SCRYPT = { N: 1 << 14, r: 8, p: 1 } as const;
const KEY_LEN = 32;
const CACHE_MAX = 1024;

export function hashPrincipalSecret(secret: string, salt: Buffer = randomBytes(16)): string {
  const hash = scryptSync(secret, salt, KEY_LEN, SCRYPT);
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export function principalSecretMatches(secret: string, stored: string): boolean {
  const [kind, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  const got = scryptSync(secret, Buffer.from(salt, 'base64url'), expected.length, SCRYPT);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** A principal's Bearer token: base64url of `name:secret`. */
export function principalBearerToken(name: string, secret: string): string {
  return Buffer.from(`${name}:${secret}`, 'utf8').toString('base64url');
}

export type Authentication =
  | { ok: true; principal: string }
  /** missing: no (usable) Authorization header; wrong: credentials that do not check out. */
  | { ok: false; why: 'missing' | 'wrong'; message: string };

export interface PrincipalCheckOptions {
  principal: (name: string) => PrincipalRow | undefined;
  isAdminToken: (token: string) => boolean;
}

export class PrincipalAuthenticator {
  private readonly verified = new Set<string>();

  constructor(private readonly opts: PrincipalCheckOptions) {}

  authenticate(authorization: string | undefined): Authentication {
    if (authorization === undefined || authorization.length === 0) return { ok: false, why: 'missing', message: 'this endpoint needs credentials: HTTP Basic (principal and secret) or a Bearer token' };
    if (authorization.length > 4096) return { ok: false, why: 'wrong', message: 'the Authorization header is too long' };
    const m = /^(Basic|Bearer) +([A-Za-z0-9+/=_-]+) *$/i.exec(authorization);
    if (!m) return { ok: false, why: 'wrong', message: 'expected Authorization: Basic <base64 principal:secret> or Bearer <token>' };
    const scheme = m[1]!.toLowerCase();
    const value = m[2]!;
    if (scheme === 'bearer' && this.opts.isAdminToken(value)) return { ok: true, principal: ADMIN_PRINCIPAL };
    const pair = Buffer.from(value, scheme === 'basic' ? 'base64' : 'base64url').toString('utf8');
    const colon = pair.indexOf(':');
    if (colon <= 0) return { ok: false, why: 'wrong', message: scheme === 'basic' ? 'Basic credentials must be base64 of principal:secret' : 'unknown Bearer token' };
    const name = pair.slice(0, colon);
    const secret = pair.slice(colon + 1);
    const row = PRINCIPAL_NAME.test(name) ? this.opts.principal(name) : undefined;
    if (!row || !this.check(name, secret, row.secretHash)) return { ok: false, why: 'wrong', message: 'wrong principal or secret' };
    return { ok: true, principal: name };
  }

  private check(name: string, secret: string, stored: string): boolean {
    if (secret.length > MAX_SECRET) return false;
    const key = createHash('sha256').update(name).update('\0').update(secret).update('\0').update(stored).digest('base64');
    if (this.verified.has(key)) return true;
    if (!principalSecretMatches(secret, stored)) return false;
    if (this.verified.size >= CACHE_MAX) this.verified.clear();
    this.verified.add(key);
    return true;
  }
}
