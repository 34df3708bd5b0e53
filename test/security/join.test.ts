import fs from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, getJson, startAllInOne, stopAtEnd, tempDir, tsmesos, waitFor, waitForActiveAgent, type Proc } from '../helpers/process.js';
import { V1Scheduler, offersOf, updateOf } from '../helpers/v1-client.js';
import { listen } from '../../src/lib/http-server.js';
import { HttpClient } from '../../src/lib/http-client.js';
import { createClusterCa, issueNodeKeyAndCertificate } from '../../src/security/ca.js';
import { parseJoinToken, formatJoinToken } from '../../src/security/join-token.js';

// Joining with tokens, on real processes on loopback addresses: a master, agents that join it
// with `tsmesos join`, and impostor masters run by the test.

const MASTER_IP = '127.0.1.41';

interface CliResult { code: number | null; out: string }

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const p = tsmesos(args, { env: { ...process.env, ...env } });
  const r = await p.exited;
  return { code: r.code, out: p.output() };
}

describe('join tokens (real processes on loopback)', () => {
  const masterDir = tempDir();
  let masterPort = 0;
  let masterUrl = '';
  let master: Proc;
  let caPem = '';

  const createToken = async (...extra: string[]): Promise<string> => {
    const r = await cli(['token', 'create', '--data-dir', masterDir, ...extra]);
    expect(r.code, r.out).toBe(0);
    return r.out.split('\n').find((l) => l.startsWith('TSM1.'))!;
  };

  beforeAll(async () => {
    masterPort = await freePort(MASTER_IP);
    masterUrl = `http://${MASTER_IP}:${masterPort}`;
    master = tsmesos(['up', '--role', 'master', '--ip', MASTER_IP, '--port', String(masterPort), '--data-dir', masterDir]);
    const admin = path.join(masterDir, 'master', 'tls', 'admin.json');
    await waitFor('the cluster CA and admin credential', () => (fs.existsSync(admin) ? true : undefined), 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${master.output()}`);
    });
    caPem = fs.readFileSync(path.join(masterDir, 'master', 'tls', 'ca.crt'), 'utf8');
  });
  afterAll(() => master.kill('SIGKILL'));

  it('writes the CA, its key and the admin credential 0600 into the master data dir; `ca cert` prints the CA', async () => {
    const dir = path.join(masterDir, 'master', 'tls');
    for (const f of ['ca.crt', 'ca.key', 'admin.json', 'node.crt', 'node.key']) expect((fs.statSync(path.join(dir, f)).mode & 0o777).toString(8), f).toBe('600');
    expect((fs.statSync(dir).mode & 0o777).toString(8)).toBe('700');
    const fromDir = await cli(['ca', 'cert', '--data-dir', masterDir]);
    expect(fromDir).toEqual({ code: 0, out: caPem });
    const fromMaster = await cli(['ca', 'cert', '--master', masterUrl]);
    expect(fromMaster).toEqual({ code: 0, out: caPem });
  });

  it('token create -> join an agent: it registers over mutual TLS and runs a task; a second join of a one-use token is refused', async () => {
    const token = await createToken('--uses', '1');
    expect(token).toMatch(new RegExp(`^TSM1\\.[0-9a-f]{64}\\.[0-9a-f]{16}\\.[A-Za-z0-9_-]{43}@${MASTER_IP.replace(/\./g, '\\.')}:${masterPort}$`));
    const agentIp = '127.0.1.42';
    const agentDir = tempDir();
    const agent = tsmesos(['join', token, '--data-dir', agentDir, '--ip', agentIp, '--port', String(await freePort(agentIp))]);
    await waitForActiveAgent(masterUrl, 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${agent.output()}`);
    });
    expect(agent.output()).toContain('"masterChannel":"mutual TLS"');
    for (const f of ['ca.crt', 'node.crt', 'node.key']) expect((fs.statSync(path.join(agentDir, 'agent', 'tls', f)).mode & 0o777).toString(8)).toBe('600');
    expect(fs.readFileSync(path.join(agentDir, 'agent', 'tls', 'ca.crt'), 'utf8')).toBe(caPem);

    const s = new V1Scheduler(masterUrl);
    stopAtEnd(() => Promise.resolve(s.close()));
    await s.subscribe({ user: 'root', name: 'join-test' });
    const offer = offersOf(await s.next((e) => e.type === 'OFFERS'))[0]!;
    const accepted = await s.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id], filters: { refuse_seconds: 0 },
        operations: [{ type: 'LAUNCH', launch: { task_infos: [{
          name: 'joined', task_id: { value: 'joined-1' }, agent_id: offer.agent_id, command: { shell: true, value: 'echo joined' },
          resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
        }] } }],
      },
    });
    expect(accepted.status).toBe(202);
    const states: string[] = [];
    for (let i = 0; i < 10 && states.at(-1) !== 'TASK_FINISHED'; i++) {
      const st = updateOf(await s.next((e) => e.type === 'UPDATE' && updateOf(e).task_id.value === 'joined-1'));
      states.push(st.state);
      if (st.uuid !== undefined) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: st.agent_id, task_id: st.task_id, uuid: st.uuid } });
    }
    expect(states).toContain('TASK_RUNNING');
    expect(states.at(-1)).toBe('TASK_FINISHED');
    s.close();

    const ls = await cli(['token', 'ls', '--data-dir', masterDir, '--json']);
    const id = parseJoinToken(token).id;
    expect((JSON.parse(ls.out) as { id: string; uses: number }[]).find((t) => t.id === id)?.uses).toBe(1);
    const again = await cli(['join', token, '--data-dir', tempDir(), '--ip', '127.0.1.43', '--port', String(await freePort('127.0.1.43'))]);
    expect(again).toEqual({ code: 1, out: 'tsmesos join: the cluster refused the join: the join token has no uses left\n' });
  });

  it('refuses expired, revoked, malformed tokens and unreachable masters with one line and a non-zero exit', async () => {
    const joinWith = async (token: string): Promise<CliResult> => cli(['join', token, '--data-dir', tempDir(), '--ip', '127.0.1.44', '--port', String(await freePort('127.0.1.44'))]);
    const shortLived = await createToken('--ttl', '1s');
    const revoked = await createToken();
    const r = await cli(['token', 'revoke', parseJoinToken(revoked).id, '--data-dir', masterDir]);
    expect(r).toEqual({ code: 0, out: `revoked ${parseJoinToken(revoked).id}\n` });
    expect(await joinWith(revoked)).toEqual({ code: 1, out: 'tsmesos join: the cluster refused the join: the join token was revoked\n' });
    await waitFor('the short-lived token to expire', async () => {
      const ls = JSON.parse((await cli(['token', 'ls', '--data-dir', masterDir, '--json'])).out) as { id: string; expiresAt: number }[];
      return Date.now() > ls.find((t) => t.id === parseJoinToken(shortLived).id)!.expiresAt + 100 ? true : undefined;
    }, 10_000, 300);
    expect(await joinWith(shortLived)).toEqual({ code: 1, out: 'tsmesos join: the cluster refused the join: the join token has expired; create a new one with `tsmesos token create`\n' });
    const wrongSecret = revoked.replace(/\.([A-Za-z0-9_-]{43})@/, (_m, s: string) => `.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}@`);
    expect(await joinWith(wrongSecret)).toEqual({ code: 1, out: 'tsmesos join: the cluster refused the join: the join token is not known to this cluster (wrong secret, or deleted)\n' });

    const malformed = await joinWith('TSM1.nothex.abc.def@127.0.0.1:1');
    expect(malformed.code).toBe(2);
    expect(malformed.out).toMatch(/^tsmesos: malformed join token: the CA hash is not 64 hex digits .*\n$/);

    const deadPort = await freePort('127.0.1.45');
    const t = parseJoinToken(revoked);
    const unreachable = await joinWith(formatJoinToken({ ...t, masters: [{ host: '127.0.1.45', port: deadPort }] }));
    expect(unreachable.code).toBe(1);
    expect(unreachable.out).toMatch(new RegExp(`^tsmesos join: cannot reach a master of the token \\(127\\.0\\.1\\.45:${deadPort}: .*ECONNREFUSED.*\\)\\n$`));
  });

  it('an impostor master with another CA receives no secret; one relaying our CA cannot complete TLS and gets none either', async () => {
    const token = parseJoinToken(await createToken());
    const foreign = await createClusterCa(Date.now());
    for (const served of [foreign.certPem, caPem]) {
      const impostorIp = '127.0.1.46';
      const seen: { method: string; path: string; body: string }[] = [];
      const app = new Hono();
      app.all('*', async (c) => {
        seen.push({ method: c.req.method, path: c.req.path, body: await c.req.text() });
        return c.req.path === '/tsmesos/v1/ca' ? c.json({ certificate: served }) : c.json({ certificate: 'x' });
      });
      const port = await freePort(impostorIp);
      const server = await listen(app, impostorIp, port, { tls: true });
      const stop = stopAtEnd(() => server.close());
      server.setTlsCredentials({ caPem: foreign.certPem, ...(await issueNodeKeyAndCertificate({ ca: foreign, role: 'master', name: 'evil', ips: [impostorIp], now: Date.now() })) });
      const r = await cli(['join', formatJoinToken({ ...token, masters: [{ host: impostorIp, port }] }), '--data-dir', tempDir(), '--ip', '127.0.1.47', '--port', String(await freePort('127.0.1.47'))]);
      await stop();
      expect(r.code).toBe(1);
      if (served === foreign.certPem) {
        expect(r.out).toBe(`tsmesos join: the CA served by ${impostorIp}:${port} does not match the token: this token belongs to another cluster, or someone is intercepting\n`);
      } else {
        expect(r.out).toMatch(new RegExp(`^tsmesos join: cannot join through ${impostorIp.replace(/\./g, '\\.')}:${port}: .*certificate.*\\n$`, 'i'));
      }
      expect(seen).toEqual([{ method: 'GET', path: '/tsmesos/v1/ca', body: '' }]);
      expect(JSON.stringify(seen)).not.toContain(token.secret);
    }
  });

  it('answers hostile input to the join and token endpoints with 4xx {code, message}', async () => {
    const tls = new HttpClient({ tls: { caPem, serverRole: 'master' } });
    const admin = (JSON.parse(fs.readFileSync(path.join(masterDir, 'master', 'tls', 'admin.json'), 'utf8')) as { token: string }).token;
    const post = async (client: HttpClient, p: string, body: string, headers: Record<string, string> = {}) =>
      client.request({ host: MASTER_IP, port: masterPort, path: p, method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });
    const valid = { token_id: '0123456789abcdef', secret: 'x', role: 'agent', csr: 'x', ip: '127.0.0.1', port: 1 };
    const cases: [string, string, number][] = [
      ['not json', '{"token_id":', 400],
      ['array', '[]', 400],
      ['type-confused port', JSON.stringify({ ...valid, port: '1' }), 400],
      ['type-confused role', JSON.stringify({ ...valid, role: ['agent'] }), 400],
      ['unknown field', JSON.stringify({ ...valid, admin: true }), 400],
      ['bad ip', JSON.stringify({ ...valid, ip: '127.0.0.1; rm -rf /' }), 400],
      ['oversized', JSON.stringify({ ...valid, csr: 'A'.repeat(200_000) }), 413],
      ['unknown token', JSON.stringify(valid), 401],
      ['garbage csr, valid token', '', 0],
    ];
    const good = parseJoinToken(await createToken());
    cases[cases.length - 1] = ['garbage csr, valid token', JSON.stringify({ ...valid, token_id: good.id, secret: good.secret }), 400];
    for (const [what, body, status] of cases) {
      const res = await post(tls, '/tsmesos/v1/join', body);
      expect(res.status, `${what}: ${res.body}`).toBe(status);
      const json = JSON.parse(res.body) as { code: string; message: string };
      expect(typeof json.code, what).toBe('string');
      expect(typeof json.message, what).toBe('string');
    }
    // A failed join does not spend a use.
    const ls = JSON.parse((await cli(['token', 'ls', '--data-dir', masterDir, '--json'])).out) as { id: string; uses: number }[];
    expect(ls.find((t) => t.id === good.id)?.uses).toBe(0);
    // Over plain HTTP the join is refused outright.
    const plain = await post(new HttpClient(), '/tsmesos/v1/join', JSON.stringify({ ...valid, token_id: good.id, secret: good.secret }));
    expect(plain.status).toBe(400);
    expect(plain.body).toContain('over TLS only');

    const tokenCases: [string, Record<string, string>, string, number][] = [
      ['no credential', {}, '{}', 401],
      ['wrong credential', { Authorization: 'Bearer nope' }, '{}', 401],
      ['basic auth', { Authorization: `Basic ${Buffer.from(`admin:${admin}`).toString('base64')}` }, '{}', 401],
      ['ttl type-confused', { Authorization: `Bearer ${admin}` }, '{"ttl_ms":"1h"}', 400],
      ['ttl negative', { Authorization: `Bearer ${admin}` }, '{"ttl_ms":-5}', 400],
      ['uses zero', { Authorization: `Bearer ${admin}` }, '{"uses":0}', 400],
      ['role unknown', { Authorization: `Bearer ${admin}` }, '{"role":"root"}', 400],
      ['oversized', { Authorization: `Bearer ${admin}` }, JSON.stringify({ role: 'agent', pad: 'x'.repeat(100_000) }), 413],
    ];
    for (const [what, headers, body, status] of tokenCases) {
      const res = await post(tls, '/tsmesos/v1/tokens', body, headers);
      expect(res.status, `${what}: ${res.body}`).toBe(status);
      expect(Object.keys(JSON.parse(res.body) as object).sort(), what).toEqual(['code', 'message']);
      if (status === 401) expect(res.headers['www-authenticate']).toBe('Bearer realm="tsmesos"');
    }
    const del = await tls.request({ host: MASTER_IP, port: masterPort, path: '/tsmesos/v1/tokens/..%2f..', method: 'DELETE', headers: { Authorization: `Bearer ${admin}` } });
    expect(del.status).toBe(400);
    const missing = await tls.request({ host: MASTER_IP, port: masterPort, path: '/tsmesos/v1/tokens/0123456789abcdef', method: 'DELETE', headers: { Authorization: `Bearer ${admin}` } });
    expect(missing.status).toBe(404);
    const noCred = await cli(['token', 'ls', '--data-dir', tempDir()], { TSMESOS_TOKEN: '' });
    expect(noCred.code).toBe(1);
    expect(noCred.out).toMatch(/^tsmesos token ls: no admin credential: none in .*admin\.json .*TSMESOS_TOKEN is not set\n$/);
    const viaEnv = await cli(['token', 'ls', '--master', masterUrl, '--data-dir', tempDir(), '--json'], { TSMESOS_TOKEN: admin });
    expect(viaEnv.code, viaEnv.out).toBe(0);
  });

  it('the agent channel over TLS refuses a client without a certificate, or with another cluster\'s', async () => {
    const foreign = await createClusterCa(Date.now());
    const stranger = await issueNodeKeyAndCertificate({ ca: foreign, role: 'agent', name: 'x', ips: ['127.0.1.48'], now: Date.now() });
    const body = JSON.stringify({ type: 'SUBSCRIBE', subscribe: {} });
    for (const client of [
      new HttpClient({ tls: { caPem, serverRole: 'master' } }),
      new HttpClient({ tls: { caPem, certPem: stranger.certPem, keyPem: stranger.keyPem, serverRole: 'master' } }),
    ]) {
      const res = await client.request({ host: MASTER_IP, port: masterPort, path: '/tsmesos/v1/agent', method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
      expect(res.status, res.body).toBe(401);
      expect((JSON.parse(res.body) as { message: string }).message).toMatch(/agent channel over TLS needs this cluster's agent certificate/);
    }
  });

  it('refuses plain-HTTP agents by default (--agent-tls required): on the wire, and an agent started without a token says why', async () => {
    const plain = await new HttpClient().request({ host: MASTER_IP, port: masterPort, path: '/tsmesos/v1/agent', method: 'POST', body: JSON.stringify({ type: 'SUBSCRIBE', subscribe: {} }), headers: { 'Content-Type': 'application/json' } });
    expect(plain.status).toBe(401);
    expect(JSON.parse(plain.body)).toEqual({ code: 'UNAUTHORIZED', message: expect.stringMatching(/^this cluster requires agents to connect over mutual TLS/) as unknown });
    const before = ((await getJson(`${masterUrl}/master/state`)).body as { slaves: unknown[] }).slaves.length;
    const ip = '127.0.1.47';
    const agent = tsmesos(['up', '--role', 'agent', '--ip', ip, '--port', String(await freePort(ip)), '--master', `${MASTER_IP}:${masterPort}`, '--data-dir', tempDir()]);
    await waitFor('the agent to report the refusal', () => (agent.output().includes('requires agents to connect over mutual TLS') ? true : undefined), 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${agent.output()}`);
    });
    agent.kill('SIGTERM');
    await agent.exited;
    expect(((await getJson(`${masterUrl}/master/state`)).body as { slaves: unknown[] }).slaves).toHaveLength(before);
  });

  it('up --role agent with TSMESOS_TOKEN_FILE joins first (how a packaged agent unit joins), then runs over mutual TLS', async () => {
    const token = await createToken('--uses', '1');
    const file = path.join(tempDir(), 'token');
    fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const ip = '127.0.1.45';
    const agent = tsmesos(['up', '--role', 'agent', '--ip', ip, '--port', String(await freePort(ip)), '--data-dir', tempDir()], { env: { ...process.env, TSMESOS_TOKEN_FILE: file } });
    await waitFor('the agent joined with the token file', async () => {
      const s = (await getJson(`${masterUrl}/master/state`)).body as { slaves: { pid: string; active: boolean }[] };
      return s.slaves.some((a) => a.active && a.pid.includes(`@${ip}:`)) ? true : undefined;
    }, 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${agent.output()}`);
    });
    expect(agent.output()).toContain('"masterChannel":"mutual TLS"');
    agent.kill('SIGTERM');
    await agent.exited;
  });

  it('--token-file keeps the secret off the command line (not in /proc/PID/cmdline); bad token files get one line and exit 1', async () => {
    const token = await createToken('--uses', '1');
    const dir = tempDir();
    const file = path.join(dir, 'token');
    fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const ip = '127.0.1.46';
    const agent = tsmesos(['join', '--token-file', file, '--data-dir', tempDir(), '--ip', ip, '--port', String(await freePort(ip))]);
    const id = await waitFor('the joined agent', async () => {
      const s = (await getJson(`${masterUrl}/master/state`)).body as { slaves: { id: string; hostname: string; pid: string }[] };
      return s.slaves.find((a) => a.pid.includes(`@${ip}:`))?.id;
    }, 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${agent.output()}`);
    });
    expect(id).toBeTruthy();
    const secret = parseJoinToken(token).secret;
    const cmdline = fs.readFileSync(`/proc/${agent.child.pid!}/cmdline`, 'utf8');
    expect(cmdline).not.toContain(secret);
    expect(agent.output()).not.toContain(secret);
    agent.kill('SIGTERM');
    await agent.exited;

    const big = path.join(dir, 'big');
    fs.writeFileSync(big, 'x'.repeat(64 * 1024));
    const garbage = path.join(dir, 'garbage');
    fs.writeFileSync(garbage, 'TSM1.nothex\n');
    const cases: [string[], RegExp][] = [
      [['--token-file', path.join(dir, 'missing')], /^tsmesos: cannot read --token-file .*missing: ENOENT/],
      [['--token-file', dir], /is not a regular file/],
      [['--token-file', big], /is 65536 bytes: not a join token/],
      [['--token-file', garbage], /^tsmesos: /],
      [[token, '--token-file', file], /give the token once/],
      [[], /missing the join token/],
    ];
    for (const [args, expected] of cases) {
      const r = await cli(['join', ...args, '--data-dir', tempDir(), '--ip', ip, '--port', '1']);
      expect(r.code, r.out).not.toBe(0);
      expect(r.out.trim().split('\n')[0]).toMatch(expected);
    }
  });
});


describe('up --role all joins its own agent with a token', () => {
  it('through the real join path (one one-use token, spent), over mutual TLS; a restart reuses the certificate', async () => {

    const dataDir = tempDir();
    const first = await startAllInOne(dataDir);
    expect(first.proc.output()).toContain('"masterChannel":"mutual TLS"');
    const cert = fs.readFileSync(path.join(dataDir, 'agent', 'tls', 'node.crt'), 'utf8');
    const ls = await cli(['token', 'ls', '--data-dir', dataDir, '--json']);
    expect(ls.code, ls.out).toBe(0);
    const tokens = JSON.parse(ls.out) as { role: string; uses: number; maxUses: number }[];
    expect(tokens.map((t) => [t.role, t.uses, t.maxUses])).toEqual([['agent', 1, 1]]);
    first.proc.kill('SIGTERM');
    expect((await first.proc.exited).code).toBe(0);

    const second = await startAllInOne(dataDir);
    expect(fs.readFileSync(path.join(dataDir, 'agent', 'tls', 'node.crt'), 'utf8')).toBe(cert);
    const again = JSON.parse((await cli(['token', 'ls', '--data-dir', dataDir, '--json'])).out) as unknown[];
    expect(again).toHaveLength(1);
    second.proc.kill('SIGTERM');
    expect((await second.proc.exited).code).toBe(0);
  });
});
