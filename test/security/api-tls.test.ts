import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, tempDir, tsmesos, waitFor, type Proc } from '../helpers/process.js';
import { netnsPair, requestIn, tsmesosIn, tsmesosRunIn, type NetnsHost } from '../helpers/netns.js';
import { HttpClient } from '../../src/lib/http-client.js';
import { createClusterCa } from '../../src/security/ca.js';

// --api-tls on real processes: a master bound to a non-loopback address (198.18.0.1 in a network
// namespace, reached from a second namespace over a veth link: a client on the network), and
// masters on loopback. HTTPS uses the cluster certificate; plain HTTP gets a 308 to https.

const PORT = 5050;
const MARATHON_PORT = 8090;

async function waitForCertificate(dataDir: string, proc: Proc): Promise<string> {
  const admin = path.join(dataDir, 'master', 'tls', 'admin.json');
  await waitFor('the cluster CA', () => (fs.existsSync(admin) ? true : undefined), 30_000).catch((e: unknown) => {
    throw new Error(`${String(e)}\n${proc.output()}`);
  });
  return fs.readFileSync(path.join(dataDir, 'master', 'tls', 'ca.crt'), 'utf8');
}

describe('--api-tls auto on a non-loopback address (network namespaces)', () => {
  let a: NetnsHost;
  let b: NetnsHost;
  let master: Proc;
  const dataDir = tempDir();
  let caPem = '';
  let caFile = '';
  let base = '';

  beforeAll(async () => {
    ({ a, b } = netnsPair());
    base = `${a.ip}:${PORT}`;
    master = tsmesosIn(a, ['up', '--role', 'master', '--ip', a.ip, '--port', String(PORT), '--data-dir', dataDir, '--marathon-port', String(MARATHON_PORT)]);
    caPem = await waitForCertificate(dataDir, master);
    caFile = path.join(tempDir(), 'ca.pem');
    fs.writeFileSync(caFile, caPem);
    // The redirect starts once the master holds its own certificate (a moment after the CA).
    await waitFor('the 308 to https', async () => ((await requestIn(b, `http://${base}/master/state`)).status === 308 ? true : undefined), 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${master.output()}`);
    });
  });
  afterAll(() => master.kill('SIGKILL'));

  it('says at start that the API is HTTPS', () => {
    expect(master.output()).toMatch(/master listening.*https:\/\/198\.18\.0\.1:5050/);
    expect(master.output()).not.toContain('--api-tls off');
  });

  it('answers plain HTTP with a 308 to the same URL over https (GET and POST, query kept), {code, message}', async () => {
    const get = await requestIn(b, `http://${base}/master/state?jsonp=x`);
    expect(get.status).toBe(308);
    expect(get.location).toBe(`https://${base}/master/state?jsonp=x`);
    expect(JSON.parse(get.body)).toMatchObject({ code: 'HTTPS_REQUIRED', message: expect.stringContaining(`https://${base}/master/state`) as unknown });
    const post = await requestIn(b, `http://${base}/api/v1`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"type":"GET_HEALTH"}' });
    expect([post.status, post.location]).toEqual([308, `https://${base}/api/v1`]);
    // The UI too
    expect((await requestIn(b, `http://${base}/`)).status).toBe(308);
  });

  it('serves the API over HTTPS with the cluster certificate: a client trusting the CA verifies it, name (IP SAN) included', async () => {
    const state = await requestIn(b, `https://${base}/master/state`, { caPem });
    expect(state.status, state.error).toBe(200);
    expect(JSON.parse(state.body)).toHaveProperty('leader');
    const v1 = await requestIn(b, `https://${base}/api/v1`, { caPem, method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"type":"GET_HEALTH"}' });
    expect(v1.status).toBe(200);
    // A client trusting another CA does not accept it.
    const untrusted = await requestIn(b, `https://${base}/master/state`, { caPem: (await createClusterCa(Date.now(), 'another cluster')).certPem });
    expect(untrusted.status).toBe(0);
    expect(untrusted.error).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
  });

  it('the Marathon port is HTTPS as well', async () => {
    const plain = await requestIn(b, `http://${a.ip}:${MARATHON_PORT}/v2/apps`);
    expect([plain.status, plain.location]).toEqual([308, `https://${a.ip}:${MARATHON_PORT}/v2/apps`]);
    const secure = await requestIn(b, `https://${a.ip}:${MARATHON_PORT}/v2/apps`, { caPem });
    expect(secure.status, secure.error).toBe(200);
    expect(JSON.parse(secure.body)).toEqual({ apps: [] });
  });

  it('keeps the CA certificate and the Raft status reachable over plain HTTP (a joining node pins the CA by its hash)', async () => {
    const ca = await requestIn(b, `http://${base}/tsmesos/v1/ca`);
    expect(ca.status).toBe(200);
    expect((JSON.parse(ca.body) as { certificate: string }).certificate).toBe(caPem);
    expect((await requestIn(b, `http://${base}/tsmesos/raft/v1/status`)).status).toBe(200);
    // Everything else of /tsmesos (tokens, principals: the admin credential) is redirected.
    expect((await requestIn(b, `http://${base}/tsmesos/v1/tokens`)).status).toBe(308);
  });

  it('a hostile Host header does not steer the redirect', async () => {
    const statuses: number[] = [];
    for (const host of ['evil.example.com/x?', 'a b', `${'h'.repeat(300)}:1`, '[::1]:5050"', 'x.example:99999999']) {
      const r = await requestIn(b, `http://${base}/master/state`, { headers: { Host: host } });
      // refused as a bad request (node's HTTP parser) or redirected to the master's own address
      expect([308, 400], host).toContain(r.status);
      if (r.status === 308) expect(r.location, host).toBe(`https://${base}/master/state`);
      else expect(r.location, host).toBeUndefined();
      statuses.push(r.status);
    }
    expect(statuses).toContain(308);
    // a plain name is echoed (a browser that used one comes back to it)
    expect((await requestIn(b, `http://${base}/health`, { headers: { Host: 'master1.example:5050' } })).location).toBe('https://master1.example:5050/health');
  });

  it('the CLI follows the 308 over TLS pinned to the cluster CA, and refuses to go on without one', async () => {
    const empty = tempDir();
    const withCa = await tsmesosRunIn(b, ['status', '--master', base], { env: { ...process.env, TSMESOS_CA_FILE: caFile, TSMESOS_DATA_DIR: empty } });
    expect(withCa.code, withCa.out).toBe(0);
    expect(withCa.out).toMatch(/leader: \S*198\.18\.0\.1:5050/);
    const https = await tsmesosRunIn(b, ['agent', 'ls', '--master', `https://${base}`], { env: { ...process.env, TSMESOS_CA_FILE: caFile, TSMESOS_DATA_DIR: empty } });
    expect(https.code, https.out).toBe(0);
    // The data dir's CA (a master or joined agent host) is found without TSMESOS_CA_FILE.
    const fromDataDir = await tsmesosRunIn(b, ['framework', 'ls', '--master', base], { env: { ...process.env, TSMESOS_DATA_DIR: dataDir } });
    expect(fromDataDir.code, fromDataDir.out).toBe(0);
    const noCa = await tsmesosRunIn(b, ['status', '--master', base], { env: { ...process.env, TSMESOS_DATA_DIR: empty } });
    expect(noCa.code).toBe(1);
    expect(noCa.out.trim()).toMatch(/^tsmesos status: the master serves HTTPS; no cluster CA to trust: set TSMESOS_CA_FILE/);
    // A CA of another cluster: TLS fails, nothing is trusted.
    const otherCa = path.join(empty, 'other.pem');
    fs.writeFileSync(otherCa, (await createClusterCa(Date.now(), 'another cluster')).certPem);
    const foreign = await tsmesosRunIn(b, ['agent', 'ls', '--master', base], { env: { ...process.env, TSMESOS_CA_FILE: otherCa, TSMESOS_DATA_DIR: empty } });
    expect(foreign.code).toBe(1);
    expect(foreign.out).toMatch(/cannot reach the master at 198\.18\.0\.1:5050: .*(certificate|self.signed)/i);
  });

  it('an agent joined with a token (another host) serves its API over HTTPS with its certificate; plain HTTP is redirected', async () => {
    const created = await tsmesosRunIn(a, ['token', 'create', '--data-dir', dataDir, '--uses', '1']);
    expect(created.code, created.out).toBe(0);
    const token = created.out.split('\n').find((l) => l.startsWith('TSM1.'))!;
    const agentDir = tempDir();
    const agent = tsmesosIn(b, ['join', token, '--data-dir', agentDir, '--ip', b.ip, '--port', '5051', '--resources', 'cpus:1;mem:256;disk:256']);
    try {
      const agentBase = `${b.ip}:5051`;
      await waitFor('the agent over HTTPS', async () => ((await requestIn(a, `https://${agentBase}/state`, { caPem })).status === 200 ? true : undefined), 30_000).catch((e: unknown) => {
        throw new Error(`${String(e)}\n${agent.output()}`);
      });
      expect(agent.output()).toMatch(/agent listening.*https:\/\/198\.18\.0\.2:5051/);
      const plain = await requestIn(a, `http://${agentBase}/state`);
      expect([plain.status, plain.location]).toEqual([308, `https://${agentBase}/state`]);
      // the master lists it (it registered over mutual TLS)
      const state = await requestIn(b, `https://${base}/master/state`, { caPem });
      expect((JSON.parse(state.body) as { slaves: { hostname: string; active: boolean }[] }).slaves.filter((x) => x.active)).toHaveLength(1);
    } finally {
      agent.kill('SIGTERM');
      await agent.exited;
    }
  });

  it('the admin commands speak TLS from the start with the CA at hand (the credential never goes in plain HTTP)', async () => {
    const r = await tsmesosRunIn(b, ['token', 'ls', '--master', base], { env: { ...process.env, TSMESOS_DATA_DIR: dataDir } });
    expect(r.code, r.out).toBe(0);
  });
});

describe('--api-tls on other addresses and modes', () => {
  it('off on a non-loopback address: plain HTTP served, and a warning at start', async () => {
    const { a, b } = netnsPair();
    const dataDir = tempDir();
    const master = tsmesosIn(a, ['up', '--role', 'master', '--ip', a.ip, '--port', String(PORT), '--data-dir', dataDir, '--api-tls', 'off']);
    try {
      await waitForCertificate(dataDir, master);
      const r = await waitFor('the master state', async () => {
        const res = await requestIn(b, `http://${a.ip}:${PORT}/master/state`);
        return res.status === 200 ? res : undefined;
      }, 30_000);
      expect(JSON.parse(r.body)).toHaveProperty('leader');
      expect(master.output()).toMatch(/--api-tls off on 198\.18\.0\.1, not a loopback address/);
    } finally {
      master.kill('SIGKILL');
    }
  });

  it('loopback: plain HTTP by default (as the Mesos tutorials); --api-tls on redirects there too', async () => {
    const dataDir = tempDir();
    const port = await freePort('127.0.0.1');
    const master = tsmesos(['up', '--role', 'master', '--ip', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--api-tls', 'on']);
    const dir2 = tempDir();
    const port2 = await freePort('127.0.0.1');
    const dev = tsmesos(['up', '--role', 'master', '--ip', '127.0.0.1', '--port', String(port2), '--data-dir', dir2]);
    try {
      const caPem = await waitForCertificate(dataDir, master);
      const plain = await waitFor('the 308', async () => {
        const res = await fetch(`http://127.0.0.1:${port}/master/state`, { redirect: 'manual' });
        await res.body?.cancel();
        return res.status === 308 ? res : undefined;
      }, 30_000);
      expect(plain.headers.get('location')).toBe(`https://127.0.0.1:${port}/master/state`);
      const tls = new HttpClient({ tls: { caPem, serverRole: 'master' } });
      expect((await tls.request({ host: '127.0.0.1', port, path: '/master/state' })).status).toBe(200);
      // default on loopback: plain HTTP answers, even once the certificate exists
      await waitForCertificate(dir2, dev);
      const res = await fetch(`http://127.0.0.1:${port2}/master/state`, { redirect: 'manual' });
      expect(res.status).toBe(200);
      await res.body?.cancel();
      expect(dev.output()).not.toContain('--api-tls off');
    } finally {
      master.kill('SIGKILL');
      dev.kill('SIGKILL');
    }
  });

  it('a bad --api-tls value is one line and exit 1', async () => {
    const p = tsmesos(['up', '--role', 'master', '--data-dir', tempDir(), '--api-tls', 'maybe']);
    const r = await p.exited;
    expect(r.code).not.toBe(0);
    expect(p.output()).toMatch(/invalid --api-tls 'maybe' \(from the command line\): expected auto, on or off/);
  });
});

