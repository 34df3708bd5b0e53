import http from 'node:http';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/lib/http-client.js';

const client = new HttpClient();
const openRequest = client.open.bind(client);

// The agent must not hang on a master that never answers: bounded connect and response waits.

describe('http client deadlines', () => {
  it('gives up on a server that accepts but never answers (response deadline)', async () => {
    const server = net.createServer(() => undefined); // accepts, says nothing
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const started = Date.now();
    await expect(openRequest({ host: '127.0.0.1', port, path: '/', responseTimeoutMs: 300 })).rejects.toThrow(/no response .* within 300 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
    server.close();
  });

  it('fails fast on a refused connection', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    await expect(openRequest({ host: '127.0.0.1', port, path: '/', connectTimeoutMs: 300 })).rejects.toThrow(/ECONNREFUSED/);
  });

  const iptables = (op: '-A' | '-D', port: number): boolean =>
    spawnSync('iptables', [op, 'INPUT', '-d', '127.0.5.77', '-p', 'tcp', '--dport', String(port), '-j', 'DROP'], { stdio: 'ignore' }).status === 0;

  it('gives up connecting to a blackholed address (connect deadline)', async () => {
    const port = 45_123;
    if (!iptables('-A', port)) throw new Error('this test needs iptables (scripts/test-all.sh installs it)');
    try {
      const started = Date.now();
      await expect(openRequest({ host: '127.0.5.77', port, path: '/', connectTimeoutMs: 400 })).rejects.toThrow(/connecting to 127.0.5.77:45123 timed out/);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      iptables('-D', port);
    }
  });
});

describe('http client stack', () => {
  it('every request of a client leaves from its source address', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.socket.remoteAddress ?? '');
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    const port = (server.address() as net.AddressInfo).port;
    const from = new HttpClient({ localAddress: '127.0.0.2' });
    try {
      expect((await from.request({ host: '127.0.0.1', port, path: '/' })).body).toBe('ok');
      const raw = from.createRequest({ host: '127.0.0.1', port, path: '/', agent: from.keepAliveAgent(1) });
      await new Promise<void>((resolve, reject) => {
        raw.on('response', (res) => res.resume().on('end', resolve));
        raw.on('error', reject);
        raw.end();
      });
      expect(seen.map((a) => a.replace(/^::ffff:/, ''))).toEqual(['127.0.0.2', '127.0.0.2']);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
