import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/registry/registry.js';
import { listen } from '../../src/lib/http-server.js';
import { HttpClient } from '../../src/lib/http-client.js';
import { installErrorHandling } from '../../src/api/http-errors.js';
import { renewApp } from '../../src/api/renew-api.js';
import { silentLogger } from '../../src/lib/log.js';
import { systemClock } from '../../src/lib/clock.js';
import { CertificateRenewer } from '../../src/security/renewal.js';
import { certificateValidity, checkNodeCertificate, createClusterCa, createNodeKeyAndCsr, issueNodeKeyAndCertificate } from '../../src/security/ca.js';
import type { NodeTlsFiles } from '../../src/security/files.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { freePort, stopAtEnd, tempDir } from '../helpers/process.js';

const DAY = 24 * 3600 * 1000;

// Online renewal of a joined node's certificate: a real TLS server with the renew endpoint,
// the node's notion of "when to renew" on an injected clock (TLS itself checks real time).
describe('certificate renewal (real TLS on loopback, injected clock)', () => {
  it('renews once due, over mutual TLS, keeping role, name and IP; refuses clients without a cluster certificate', async () => {
    const host = '127.0.1.71';
    const now = Date.now();
    const ca = await createClusterCa(now);
    const registry = Registry.open(tempDir());
    registry.apply(1, { type: 'SET_CLUSTER_CA', certPem: ca.certPem, keyPem: ca.keyPem, at: now });
    const app = new Hono();
    installErrorHandling(app, silentLogger);
    app.route('/', renewApp({ registry, clock: systemClock }));
    const port = await freePort(host);
    const server = await listen(app, host, port, { tls: true });
    stopAtEnd(async () => {
      await server.close();
      registry.close();
    });
    server.setTlsCredentials({ caPem: ca.certPem, ...(await issueNodeKeyAndCertificate({ ca, role: 'master', name: 'm', ips: [host], now })) });

    const agent = await issueNodeKeyAndCertificate({ ca, role: 'agent', name: '127.0.1.72:5051', ips: ['127.0.1.72'], now });
    const clock = new ManualClock({ epochMs: now });
    const renewed: NodeTlsFiles[] = [];
    const renewer = new CertificateRenewer({
      initial: { caPem: ca.certPem, ...agent }, role: 'agent', masters: [{ host, port }], clock, logger: silentLogger, onRenewed: (t) => renewed.push(t),
    });
    expect(await renewer.checkOnce()).toBe(false);
    await clock.advance(59 * DAY);
    expect(await renewer.checkOnce()).toBe(false);
    await clock.advance(2 * DAY);
    expect(await renewer.checkOnce()).toBe(true);
    expect(renewed).toHaveLength(1);
    const fresh = renewed[0]!;
    expect(fresh.keyPem).not.toBe(agent.keyPem);
    expect(renewer.tls).toEqual(fresh);
    expect(checkNodeCertificate(fresh.certPem, ca.certPem, Date.now())).toEqual({ ok: true, role: 'agent', name: '127.0.1.72:5051' });
    expect(certificateValidity(fresh.certPem).notAfter).toBeGreaterThan(certificateValidity(agent.certPem).notAfter - DAY);

    const { csrPem } = await createNodeKeyAndCsr('x');
    const body = JSON.stringify({ csr: csrPem });
    const other = await createClusterCa(now);
    const stranger = await issueNodeKeyAndCertificate({ ca: other, role: 'agent', name: 'evil', ips: ['127.0.1.73'], now });
    for (const client of [
      new HttpClient({ tls: { caPem: ca.certPem, serverRole: 'master' } }),
      new HttpClient({ tls: { caPem: ca.certPem, ...stranger, serverRole: 'master' } }),
    ]) {
      const res = await client.request({ host, port, path: '/tsmesos/v1/renew', method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
      expect(res.status, res.body).toBe(401);
    }
    const plain = await new HttpClient().request({ host, port, path: '/tsmesos/v1/renew', method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
    expect(plain.status).toBe(401);
    const withCert = new HttpClient({ tls: { ...fresh, serverRole: 'master' } });
    for (const [bad, status] of [['{"csr":5}', 400], ['{"csr":"garbage"}', 400], ['nope', 400], [JSON.stringify({ csr: 'A'.repeat(100_000) }), 413]] as const) {
      const res = await withCert.request({ host, port, path: '/tsmesos/v1/renew', method: 'POST', body: bad, headers: { 'Content-Type': 'application/json' } });
      expect(res.status, res.body).toBe(status);
      expect(Object.keys(JSON.parse(res.body) as object).sort()).toEqual(['code', 'message']);
    }
  });
});
