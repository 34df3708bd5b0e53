import { describe, expect, it } from 'vitest';
import { PrincipalAuthenticator, hashPrincipalSecret, principalBearerToken, principalSecretMatches } from '../../src/security/principals.js';
import { READONLY_REALM, READWRITE_REALM, SCHEDULER_REALM, realmOf } from '../../src/api/http-auth.js';
import type { PrincipalRow } from '../../src/registry/security-table.js';

describe('principal secrets', () => {
  it('are stored salted (two hashes of one secret differ) and checked against their hash only', () => {
    const a = hashPrincipalSecret('correct horse');
    const b = hashPrincipalSecret('correct horse');
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct horse');
    expect(principalSecretMatches('correct horse', a)).toBe(true);
    expect(principalSecretMatches('correct horse', b)).toBe(true);
    expect(principalSecretMatches('correct horsE', a)).toBe(false);
    expect(principalSecretMatches('correct horse', 'plain$x$y')).toBe(false);
    expect(principalSecretMatches('correct horse', 'scrypt$only-salt')).toBe(false);
  });

  it('a replaced secret stops working at once (the cache of verified secrets is keyed by the stored hash)', () => {
    const rows = new Map<string, PrincipalRow>([['fw', { name: 'fw', secretHash: hashPrincipalSecret('first-secret'), createdAt: 0 }]]);
    const auth = new PrincipalAuthenticator({ principal: (n) => rows.get(n), isAdminToken: (t) => t === 'ADMIN' });
    const basic = (s: string): string => `Basic ${Buffer.from(`fw:${s}`).toString('base64')}`;
    expect(auth.authenticate(basic('first-secret'))).toEqual({ ok: true, principal: 'fw' });
    expect(auth.authenticate(`Bearer ${principalBearerToken('fw', 'first-secret')}`)).toEqual({ ok: true, principal: 'fw' });
    rows.set('fw', { name: 'fw', secretHash: hashPrincipalSecret('second-secret'), createdAt: 0 });
    expect(auth.authenticate(basic('first-secret'))).toMatchObject({ ok: false, why: 'wrong' });
    expect(auth.authenticate(basic('second-secret'))).toEqual({ ok: true, principal: 'fw' });
    rows.delete('fw');
    expect(auth.authenticate(basic('second-secret'))).toMatchObject({ ok: false, why: 'wrong' });
    expect(auth.authenticate('Bearer ADMIN')).toEqual({ ok: true, principal: 'admin' });
    expect(auth.authenticate(undefined)).toMatchObject({ ok: false, why: 'missing' });
    expect(auth.authenticate('')).toMatchObject({ ok: false, why: 'missing' });
    for (const h of ['Basic', 'Basic   ', 'Negotiate abc', `Basic ${Buffer.from('no-colon').toString('base64')}`, `Basic ${Buffer.from(':empty-name').toString('base64')}`, 'x'.repeat(5000)]) {
      expect(auth.authenticate(h), h.slice(0, 30)).toMatchObject({ ok: false, why: 'wrong' });
    }
  });
});

describe('which requests need credentials (Mesos switches)', () => {
  const both = { authenticateFrameworks: true, authenticateReadwrite: true };
  const none = { authenticateFrameworks: false, authenticateReadwrite: false };
  it.each([
    ['POST', '/api/v1/scheduler', both, SCHEDULER_REALM],
    ['POST', '/api/v1/scheduler', { ...both, authenticateFrameworks: false }, null],
    ['POST', '/api/v1', both, READWRITE_REALM],
    ['POST', '/master/teardown', both, READWRITE_REALM],
    ['DELETE', '/v2/apps/x', both, READWRITE_REALM],
    ['PUT', '/v2/apps/x', { ...both, authenticateFrameworks: false }, READWRITE_REALM],
    ['GET', '/master/state', both, null],
    ['HEAD', '/v2/apps', both, null],
    ['POST', '/api/v1', none, null],
    ['POST', '/tsmesos/raft/v1/stream', both, null],
    ['POST', '/tsmesos/v1/agent', both, null],
    ['GET', '/master/state', { ...both, authenticateReadonly: true }, READONLY_REALM],
    ['HEAD', '/v2/apps', { ...none, authenticateReadonly: true }, READONLY_REALM],
    ['GET', '/metrics/snapshot', { ...none, authenticateReadonly: true }, READONLY_REALM],
    ['GET', '/health', { ...none, authenticateReadonly: true }, null],
    ['GET', '/', { ...none, authenticateReadonly: true }, null],
    ['GET', '/ui/app.js', { ...none, authenticateReadonly: true }, null],
    ['OPTIONS', '/master/state', { ...none, authenticateReadonly: true }, null],
    ['GET', '/tsmesos/raft/v1/status', { ...none, authenticateReadonly: true }, null],
    ['POST', '/api/v1', { ...none, authenticateReadonly: true }, null],
  ] as const)('%s %s %o -> %s', (method, path, flags, realm) => {
    expect(realmOf(method, path, flags)).toBe(realm);
  });
});
