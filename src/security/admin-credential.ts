// The admin credential of a cluster, derived from the CA key (HKDF): every master holding the
// replicated CA computes the same one, so `token create` works against any master with the
// credential found in any master's data dir, and no second secret has to be replicated.
// Rotating the CA rotates it.
import { createPrivateKey, hkdfSync, timingSafeEqual } from 'node:crypto';

const INFO = 'tsmesos admin credential v1';

export function adminCredential(caKeyPem: string): string {
  const der = createPrivateKey(caKeyPem).export({ type: 'pkcs8', format: 'der' });
  return Buffer.from(hkdfSync('sha256', der, Buffer.alloc(0), INFO, 32)).toString('base64url');
}

/** Constant-time check of a presented credential. */
export function isAdminCredential(presented: string, caKeyPem: string): boolean {
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(adminCredential(caKeyPem), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
