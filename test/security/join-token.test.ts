import { describe, expect, it } from 'vitest';
import { MalformedTokenError, formatJoinToken, hashSecret, newTokenParts, parseJoinToken, tokenRefusal, type JoinTokenRecord } from '../../src/security/join-token.js';
import { seededRng } from '../../src/lib/rng.js';

const HASH = 'ab'.repeat(32);

describe('join tokens', () => {
  const rng = seededRng(7);
  const { id, secret } = newTokenParts((n) => rng.bytes(n));
  const token = { caHash: HASH, id, secret, masters: [{ host: '127.0.1.1', port: 5050 }, { host: '127.0.1.2', port: 5051 }] };

  it('round-trips through its text form', () => {
    const text = formatJoinToken(token);
    expect(text).toBe(`TSM1.${HASH}.${id}.${secret}@127.0.1.1:5050,127.0.1.2:5051`);
    expect(parseJoinToken(text)).toEqual(token);
  });

  it.each([
    ['', /no @host:port/],
    ['TSM2.' + HASH + '.0123456789abcdef.' + 'a'.repeat(43) + '@h:1', /unknown version/],
    ['TSM1.' + 'zz'.repeat(32) + '.0123456789abcdef.' + 'a'.repeat(43) + '@h:1', /CA hash/],
    ['TSM1.' + HASH + '.0123.' + 'a'.repeat(43) + '@h:1', /id/],
    ['TSM1.' + HASH + '.0123456789abcdef.' + 'a'.repeat(42) + '@h:1', /secret/],
    ['TSM1.' + HASH + '.0123456789abcdef.' + 'a'.repeat(43) + '@', /1 to 16 master/],
    ['TSM1.' + HASH + '.0123456789abcdef.' + 'a'.repeat(43) + '@h:99999', /bad master address/],
    ['TSM1.' + HASH + '.0123456789abcdef.' + 'a'.repeat(43) + '@' + 'h:1,'.repeat(2000), /too long/],
    ['TSM1.' + HASH + '.x.0123456789abcdef.' + 'a'.repeat(43) + '@h:1', /four/],
  ])('refuses malformed %#', (text, why) => {
    expect(() => parseJoinToken(text)).toThrow(MalformedTokenError);
    expect(() => parseJoinToken(text)).toThrow(why);
  });

  it('never echoes a secret in its error', () => {
    const s = 'Z'.repeat(40);
    try {
      parseJoinToken(`TSM1.${HASH}.0123456789abcdef.${s}@h:1`);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain(s);
    }
  });

  it('decides a use: secret first, then revocation, expiry, uses and role', () => {
    const rec: JoinTokenRecord = { id, secretHash: hashSecret(secret), role: 'agent', createdAt: 0, expiresAt: 1000, maxUses: 2, uses: 0, revokedAt: null };
    expect(tokenRefusal(rec, secret, 'agent', 999)).toBeNull();
    expect(tokenRefusal(undefined, secret, 'agent', 0)).toBe('unknown');
    expect(tokenRefusal(rec, secret.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), 'agent', 0)).toBe('unknown');
    expect(tokenRefusal({ ...rec, revokedAt: 5 }, secret, 'agent', 0)).toBe('revoked');
    expect(tokenRefusal(rec, secret, 'agent', 1000)).toBe('expired');
    expect(tokenRefusal({ ...rec, uses: 2 }, secret, 'agent', 0)).toBe('exhausted');
    expect(tokenRefusal({ ...rec, maxUses: null, uses: 1e6 }, secret, 'agent', 0)).toBeNull();
    expect(tokenRefusal(rec, secret, 'master', 0)).toBe('wrong-role');
    // A wrong secret never learns the token's state.
    expect(tokenRefusal({ ...rec, revokedAt: 5 }, 'x', 'agent', 0)).toBe('unknown');
  });
});
