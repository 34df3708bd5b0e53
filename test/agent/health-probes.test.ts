import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandProbe, httpProbe, tcpProbe } from '../../src/agent/health-probes.js';
import { HttpClient } from '../../src/lib/http-client.js';
import { tempDir, waitFor } from '../helpers/process.js';

// Each probe against real servers and processes on loopback.

const client = new HttpClient();
const never = new AbortController().signal;
let plain: http.Server;
let tls: https.Server;
let plainPort = 0;
let tlsPort = 0;

function route(req: http.IncomingMessage, res: http.ServerResponse): void {
  const code = Number(/^\/status\/(\d+)$/.exec(req.url ?? '')?.[1] ?? 0);
  if (code > 0) return void res.writeHead(code).end();
  if (req.url === '/endless') {
    // 200 and a body that never ends: the probe must decide from the status alone.
    res.writeHead(200);
    const tick = setInterval(() => res.write('x'.repeat(1024)), 5);
    res.once('close', () => clearInterval(tick));
    return;
  }
  if (req.url === '/silent') return; // never answers
  res.writeHead(404).end();
}

beforeAll(async () => {
  const dir = tempDir();
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem')], { stdio: 'ignore' });
  plain = http.createServer(route);
  tls = https.createServer({ key: fs.readFileSync(path.join(dir, 'k.pem')), cert: fs.readFileSync(path.join(dir, 'c.pem')) }, route);
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  plainPort = (plain.address() as net.AddressInfo).port;
  tlsPort = (tls.address() as net.AddressInfo).port;
});
afterAll(async () => {
  plain.closeAllConnections();
  tls.closeAllConnections();
  await new Promise<void>((r) => plain.close(() => r()));
  await new Promise<void>((r) => tls.close(() => r()));
});

describe('HTTP probe', () => {
  it.each([200, 204, 302, 399])('%i is healthy', async (code) => {
    await expect(httpProbe(client, { scheme: 'http', port: plainPort, path: `/status/${code}` })(never)).resolves.toBeUndefined();
  });

  it.each([400, 404, 500, 503])('%i is not', async (code) => {
    await expect(httpProbe(client, { scheme: 'http', port: plainPort, path: `/status/${code}` })(never)).rejects.toThrow(`Unexpected HTTP response code: ${code}`);
  });

  it('https with a self-signed certificate is checked without verification (curl -k, as Mesos)', async () => {
    await expect(httpProbe(client, { scheme: 'https', port: tlsPort, path: '/status/200' })(never)).resolves.toBeUndefined();
    await expect(httpProbe(client, { scheme: 'https', port: tlsPort, path: '/status/500' })(never)).rejects.toThrow('500');
  });

  it('does not read an endless body', async () => {
    await expect(httpProbe(client, { scheme: 'http', port: plainPort, path: '/endless' })(never)).resolves.toBeUndefined();
  });

  it('a server that never answers is abandoned when the signal aborts', async () => {
    const abort = new AbortController();
    const result = httpProbe(client, { scheme: 'http', port: plainPort, path: '/silent' })(abort.signal);
    setTimeout(() => abort.abort(), 100);
    await expect(result).rejects.toThrow();
  });
});

describe('TCP probe', () => {
  it('connects to a listening port, fails on a closed one', async () => {
    await expect(tcpProbe(plainPort)(never)).resolves.toBeUndefined();
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(tcpProbe(port)(never)).rejects.toThrow(`TCP connection to 127.0.0.1:${port} failed`);
  });
});

describe('COMMAND probe', () => {
  const cmd = (value: string, shell = true, args: string[] = []) => ({ shell, value, arguments: args, environment: { CHECK_VAR: 'v' } });

  it('exit 0 is healthy; other exits are not; the environment and cwd are the ones given', async () => {
    const cwd = tempDir();
    await expect(commandProbe(cmd('test "$CHECK_VAR$BASE" = vb && test "$(pwd)" = "$0"'.replace('$0', cwd)), { cwd, env: { BASE: 'b', PATH: process.env['PATH'] ?? '' } })(never)).resolves.toBeUndefined();
    await expect(commandProbe(cmd('exit 7'), { cwd, env: {} })(never)).rejects.toThrow('Command exited with status 7');
    await expect(commandProbe(cmd('/bin/false', false, ['false']), { cwd, env: {} })(never)).rejects.toThrow('status 1');
    await expect(commandProbe(cmd('/nonexistent/tsmesos-check', false), { cwd, env: {} })(never)).rejects.toThrow('cannot run the health check command');
  });

  it('an abort kills the check and what it started', async () => {
    const cwd = tempDir();
    const pidFile = path.join(cwd, 'pid');
    const abort = new AbortController();
    const result = commandProbe(cmd(`sleep 60 & echo $! > ${pidFile}; wait`), { cwd, env: { PATH: process.env['PATH'] ?? '' } })(abort.signal);
    const pid = await waitFor('the check to start', () => (fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '' ? Number(fs.readFileSync(pidFile, 'utf8')) : undefined));
    abort.abort();
    await expect(result).rejects.toThrow('signal SIGKILL');
    await waitFor('the background sleep to die', () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    });
  });
});
