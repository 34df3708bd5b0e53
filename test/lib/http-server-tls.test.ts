import net from 'node:net';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, tlsSocketOf, type RunningServer } from '../../src/lib/http-server.js';
import { HttpClient } from '../../src/lib/http-client.js';
import { createClusterCa, issueNodeKeyAndCertificate, type KeyAndCert } from '../../src/security/ca.js';
import { freePort } from '../helpers/process.js';

// One port, both protocols: the server tells TLS from plain HTTP by the first byte.
describe('listen({ tls: true }): HTTP and HTTPS on one port', () => {
  const host = '127.0.1.32';
  let server: RunningServer;
  let port: number;
  let ca: KeyAndCert;
  beforeAll(async () => {
    const app = new Hono();
    app.get('/x', (c) => {
      const tls = tlsSocketOf(c.env);
      const peer = tls?.getPeerCertificate();
      return c.json({ tls: tls !== null, authorized: tls?.authorized ?? null, peer: peer && 'subject' in peer ? peer.subject.OU : null });
    });
    port = await freePort(host);
    server = await listen(app, host, port, { tls: true });
    ca = await createClusterCa(Date.now());
    const master = await issueNodeKeyAndCertificate({ ca, role: 'master', name: 'm', ips: [host], now: Date.now() });
    server.setTlsCredentials({ caPem: ca.certPem, ...master });
  });
  afterAll(() => server.close());

  const get = async (client: HttpClient): Promise<unknown> => JSON.parse((await client.request({ host, port, path: '/x', timeoutMs: 5000 })).body);

  it('answers plain HTTP and HTTPS, repeatedly, on kept-alive connections too', async () => {
    const plain = new HttpClient();
    const tls = new HttpClient({ tls: { caPem: ca.certPem, serverRole: 'master' } });
    for (let i = 0; i < 3; i++) {
      expect(await get(plain)).toEqual({ tls: false, authorized: null, peer: null });
      expect(await get(tls)).toEqual({ tls: true, authorized: false, peer: null });
    }
    const pool = tls.keepAliveAgent(1);
    for (let i = 0; i < 3; i++) {
      const r = await tls.request({ host, port, path: '/x', agent: pool });
      expect(JSON.parse(r.body)).toMatchObject({ tls: true });
    }
    pool.destroy();
  });

  it('passes a client certificate of the cluster to the handler as authorized', async () => {
    const agent = await issueNodeKeyAndCertificate({ ca, role: 'agent', name: 'a', ips: ['127.0.1.33'], now: Date.now() });
    const client = new HttpClient({ tls: { caPem: ca.certPem, certPem: agent.certPem, keyPem: agent.keyPem, serverRole: 'master' } });
    expect(await get(client)).toEqual({ tls: true, authorized: true, peer: 'agent' });
    const other = await createClusterCa(Date.now());
    const stranger = await issueNodeKeyAndCertificate({ ca: other, role: 'agent', name: 'a', ips: ['127.0.1.33'], now: Date.now() });
    const impostor = new HttpClient({ tls: { caPem: ca.certPem, certPem: stranger.certPem, keyPem: stranger.keyPem, serverRole: 'master' } });
    expect(await get(impostor)).toEqual({ tls: true, authorized: false, peer: 'agent' });
  });

  it('a client refuses a server of another CA, or one whose certificate is not of the expected role', async () => {
    const other = await createClusterCa(Date.now());
    await expect(get(new HttpClient({ tls: { caPem: other.certPem, serverRole: 'master' } }))).rejects.toThrow(/certificate/i);
    await expect(get(new HttpClient({ tls: { caPem: ca.certPem, serverRole: 'agent' } }))).rejects.toThrow(/not a tsmesos agent certificate/);
  });
});

describe('listen({ tls: true }).close()', () => {
  it('closes every open connection: idle keep-alive ones and ones that never sent a byte', async () => {
    const host = '127.0.1.34';
    const app = new Hono();
    app.get('/x', (c) => c.text('ok'));
    const port = await freePort(host);
    const server = await listen(app, host, port, { tls: true });
    const silent = net.connect(port, host);
    await new Promise<void>((resolve) => silent.once('connect', () => resolve()));
    const client = new HttpClient();
    const pool = client.keepAliveAgent(1);
    expect((await client.request({ host, port, path: '/x', agent: pool })).body).toBe('ok');
    const closed = (s: net.Socket): Promise<void> => new Promise((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));
    const idle = Object.values(pool.freeSockets).flat()[0] as net.Socket;
    expect(idle).toBeDefined();
    await server.close();
    await Promise.all([closed(silent), closed(idle)]);
    pool.destroy();
  });
});
