import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/registry/registry.js';
import type { CommandLog } from '../../src/registry/command-log.js';
import { silentLogger } from '../../src/lib/log.js';
import { ClusterIdentity, needsRenewal, type ServerCredentials } from '../../src/security/cluster-identity.js';
import { NODE_CERT_LIFETIME_MS, certificateValidity, checkNodeCertificate, createClusterCa, issueNodeKeyAndCertificate } from '../../src/security/ca.js';
import { isAdminCredential } from '../../src/security/admin-credential.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { tempDir, waitFor } from '../helpers/process.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const DAY = 24 * 3600 * 1000;

/** The registry's log reduced to "commit at once, in order" (no consensus in this unit test). */
function directLog(registry: Registry): CommandLog {
  let index = registry.appliedIndex();
  return { propose: (cmd) => Promise.resolve(registry.apply(++index, cmd)).then(() => index) };
}

describe('cluster identity of a master (injected clock, real SQLite registry)', () => {
  it('renews a certificate once two thirds of its lifetime have passed', async () => {
    const ca = await createClusterCa(T0);
    const { certPem } = await issueNodeKeyAndCertificate({ ca, role: 'master', name: 'm', ips: ['127.0.0.1'], now: T0 });
    expect(needsRenewal(certPem, T0 + 59 * DAY)).toBe(false);
    expect(needsRenewal(certPem, T0 + 61 * DAY)).toBe(true);
  });

  it('bootstraps the CA once, mirrors it 0600 with the admin credential, issues and renews its own certificate online', async () => {
    const registry = Registry.open(tempDir());
    const dir = tempDir();
    const clock = new ManualClock({ epochMs: T0 });
    const creds: ServerCredentials[] = [];
    const identity = new ClusterIdentity({
      registry, dir, self: { ip: '127.0.1.50', port: 5050 }, clock, logger: silentLogger, onServerCredentials: (c) => creds.push(c),
    });
    const log = directLog(registry);
    identity.bootstrap(log);
    identity.bootstrap(log); // a second start while the first runs: still one CA
    await waitFor('the master certificate', () => (creds.length > 0 ? true : undefined), 10_000, 10);
    const ca = registry.clusterCa()!;
    expect(registry.appliedIndex()).toBe(1);
    expect(creds).toHaveLength(1);
    expect(creds[0]!.caPem).toBe(ca.certPem);
    expect(checkNodeCertificate(creds[0]!.certPem, ca.certPem, T0)).toEqual({ ok: true, role: 'master', name: '127.0.1.50:5050' });
    expect(certificateValidity(creds[0]!.certPem).notAfter).toBe(T0 + NODE_CERT_LIFETIME_MS);
    const tls = path.join(dir, 'tls');
    for (const f of ['ca.crt', 'ca.key', 'node.crt', 'node.key', 'admin.json']) expect((fs.statSync(path.join(tls, f)).mode & 0o777).toString(8), f).toBe('600');
    const admin = JSON.parse(fs.readFileSync(path.join(tls, 'admin.json'), 'utf8')) as { token: string; master: string };
    expect(admin.master).toBe('127.0.1.50:5050');
    expect(isAdminCredential(admin.token, ca.keyPem)).toBe(true);

    await clock.advance(59 * DAY);
    await identity.sync();
    expect(creds).toHaveLength(1);
    await clock.advance(2 * DAY);
    await identity.sync();
    expect(creds).toHaveLength(2);
    expect(certificateValidity(creds[1]!.certPem).notAfter).toBe(T0 + 61 * DAY + NODE_CERT_LIFETIME_MS);
    expect(fs.readFileSync(path.join(tls, 'node.crt'), 'utf8')).toBe(creds[1]!.certPem);
    await identity.stop();
    registry.close();
  });

  it('a master that never led takes the replicated CA: two masters end up with one CA', async () => {
    const registry = Registry.open(tempDir());
    const clock = new ManualClock({ epochMs: T0 });
    const seen: string[] = [];
    const make = (ip: string) => new ClusterIdentity({ registry, dir: tempDir(), self: { ip, port: 5050 }, clock, logger: silentLogger, onServerCredentials: (c) => seen.push(c.caPem) });
    const a = make('127.0.1.51');
    const b = make('127.0.1.52');
    a.bootstrap(directLog(registry));
    await waitFor('a CA', () => registry.clusterCa(), 10_000, 10);
    b.bootstrap(directLog(registry)); // already there: nothing proposed
    await waitFor('both masters', async () => {
      await a.sync();
      await b.sync();
      return seen.length >= 2 ? true : undefined;
    }, 10_000, 10);
    expect(new Set(seen)).toEqual(new Set([registry.clusterCa()!.certPem]));
    expect(registry.appliedIndex()).toBe(1);
    await a.stop();
    await b.stop();
    registry.close();
  });
});
