import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, getJson, tempDir, tsmesos, waitFor, type Proc } from '../helpers/process.js';
import { cli } from '../helpers/masters.js';

// Principals and HTTP authentication on a real master started with Mesos's switches
// (--authenticate-frameworks true --authenticate-http-readwrite true): 401 with WWW-Authenticate
// without (right) credentials, Basic and Bearer accepted, FrameworkInfo.principal checked
// against the authenticated principal, reads left open, and the principals API under hostile input.

const IP = '127.0.1.91';

describe('HTTP authentication with principals (real process)', () => {
  const dataDir = tempDir();
  let master: Proc;
  let url = '';
  let admin = '';
  let fw = { secret: '', bearer: '' };
  const opSecret = 'operator-secret-123';

  const basic = (name: string, secret: string): string => `Basic ${Buffer.from(`${name}:${secret}`).toString('base64')}`;
  /** SUBSCRIBE; on 200, reads the first event and calls `whileOpen` with it before closing the stream. */
  const subscribe = async (authorization: string | undefined, principal?: string, whileOpen?: (text: string) => Promise<void>): Promise<{ status: number; text: string; headers: Headers }> => {
    const res = await fetch(`${url}/api/v1/scheduler`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...(authorization !== undefined ? { Authorization: authorization } : {}) },
      body: JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name: 'auth-test', ...(principal !== undefined ? { principal } : {}) } } }),
    });
    if (res.status !== 200) return { status: res.status, text: await res.text(), headers: res.headers };
    // The stream stays open: read until the first event, then let go (leaving the loop cancels it).
    let text = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += Buffer.from(chunk).toString('utf8');
      if (text.includes('"type"')) {
        await whileOpen?.(text);
        break;
      }
    }
    return { status: res.status, text, headers: res.headers };
  };

  beforeAll(async () => {
    const port = await freePort(IP);
    url = `http://${IP}:${port}`;
    master = tsmesos(['up', '--role', 'master', '--ip', IP, '--port', String(port), '--data-dir', dataDir, '--authenticate-frameworks', 'true', '--authenticate-http-readwrite', 'true',
      // this file sends many wrong credentials on purpose (test/security/auth-throttle.test.ts tests the limit)
      '--auth-failure-limit', '0']);
    const adminFile = path.join(dataDir, 'master', 'tls', 'admin.json');
    await waitFor('the admin credential', () => (fs.existsSync(adminFile) ? true : undefined), 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${master.output()}`);
    });
    admin = (JSON.parse(fs.readFileSync(adminFile, 'utf8')) as { token: string }).token;
  });
  afterAll(() => master.kill('SIGKILL'));

  it('principal add | ls | rm through the CLI: secrets printed once by add, never listed', async () => {
    const added = await cli(['principal', 'add', 'fw1', '--data-dir', dataDir, '--json']);
    expect(added.code, added.out).toBe(0);
    const r = JSON.parse(added.out.trim()) as { name: string; secret: string; bearer: string };
    expect(r.name).toBe('fw1');
    expect(r.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    fw = { secret: r.secret, bearer: r.bearer };
    const secretFile = path.join(tempDir(), 'secret');
    fs.writeFileSync(secretFile, `${opSecret}\n`, { mode: 0o600 });
    const op = await cli(['principal', 'add', 'op', '--secret-file', secretFile, '--data-dir', dataDir]);
    expect(op.code, op.out).toBe(0);
    expect(op.out).not.toContain(opSecret);
    const ls = await cli(['principal', 'ls', '--data-dir', dataDir]);
    expect(ls.code, ls.out).toBe(0);
    expect(ls.out).toMatch(/^PRINCIPAL\s+CREATED\nfw1\s+\S+\nop\s+\S+\n$/);
    const temp = await cli(['principal', 'add', 'temp', '--data-dir', dataDir]);
    expect(temp.code, temp.out).toBe(0);
    const tempSecret = /secret (\S+)/.exec(temp.out)![1]!;
    expect((await subscribe(basic('temp', tempSecret), 'temp')).status).toBe(200);
    const rm = await cli(['principal', 'rm', 'temp', '--data-dir', dataDir]);
    expect(rm).toEqual({ code: 0, out: 'removed temp\n' });
    expect((await subscribe(basic('temp', tempSecret), 'temp')).status).toBe(401);
    const again = await cli(['principal', 'rm', 'temp', '--data-dir', dataDir]);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/404: no principal temp/);
  });

  it('the scheduler API: 401 with Basic and Bearer challenges without or with wrong credentials, whatever the header holds', async () => {
    for (const authorization of [undefined, basic('fw1', 'wrong-secret'), basic('nobody', 'x'), 'Basic', 'Basic !!!', 'Digest abc', `Basic ${'A'.repeat(5000)}`, 'Bearer not-a-token', `Bearer ${Buffer.from('fw1').toString('base64url')}`]) {
      const r = await subscribe(authorization);
      expect(r.status, String(authorization).slice(0, 40)).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Basic realm="mesos-master-scheduler", Bearer realm="mesos-master-scheduler"');
      expect(JSON.parse(r.text)).toEqual({ code: 'UNAUTHORIZED', message: expect.any(String) as unknown });
    }
  });

  it('Basic and Bearer subscribe; FrameworkInfo.principal must be the authenticated one, and is set to it when absent', async () => {
    const ok = await subscribe(basic('fw1', fw.secret), 'fw1');
    expect(ok.status, ok.text).toBe(200);
    expect(ok.text).toContain('SUBSCRIBED');
    expect((await subscribe(`Bearer ${fw.bearer}`, 'fw1')).status).toBe(200);
    const mismatch = await subscribe(basic('fw1', fw.secret), 'someone-else');
    expect(mismatch.status).toBe(400);
    expect(JSON.parse(mismatch.text)).toEqual({ code: 'BAD_REQUEST', message: "Failed to validate scheduler::Call: Authenticated principal 'fw1' does not match principal 'someone-else' set in `FrameworkInfo`" });
    let principalSeen: string | undefined;
    const unnamed = await subscribe(`Bearer ${fw.bearer}`, undefined, async (text) => {
      const id = /"framework_id":\{"value":"([^"]+)"/.exec(text)![1]!;
      const frameworks = (await getJson(`${url}/master/frameworks`)).body as { frameworks: { id: string; principal?: string }[] };
      principalSeen = frameworks.frameworks.find((f) => f.id === id)?.principal;
    });
    expect(unnamed.status).toBe(200);
    expect(principalSeen).toBe('fw1');
  });

  it('read-write requests need credentials (operator API, Marathon writes); reads stay open; the admin credential is a principal too', async () => {
    const call = (authorization?: string): Promise<Response> => fetch(`${url}/api/v1`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...(authorization !== undefined ? { Authorization: authorization } : {}) },
      body: JSON.stringify({ type: 'GET_HEALTH' }),
    });
    const none = await call();
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Basic realm="mesos-master-readwrite"');
    expect((await call(basic('op', 'wrong-password'))).status).toBe(401);
    expect((await call(basic('op', opSecret))).status).toBe(200);
    expect((await call(`Bearer ${admin}`)).status).toBe(200);
    const app = await fetch(`${url}/v2/apps`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: '/x', cmd: 'sleep 1' }) });
    expect(app.status).toBe(401);
    expect((await fetch(`${url}/master/state`)).status).toBe(200);
    expect((await fetch(`${url}/v2/apps`)).status).toBe(200);
    const flags = (await getJson(`${url}/master/flags`)).body as { flags: Record<string, string> };
    expect(flags.flags['authenticate-frameworks']).toBe('true');
    // No secret reached the master's log or flags.
    for (const secret of [fw.secret, opSecret, admin]) {
      expect(master.output()).not.toContain(secret);
      expect(JSON.stringify(flags)).not.toContain(secret);
    }
  });

  it('the principals API answers hostile input with 4xx {code, message}', async () => {
    const send = async (method: string, p: string, body: string | null, authorization: string | null): Promise<{ status: number; json: { code?: string; message?: string } }> => {
      const res = await fetch(`${url}/tsmesos/v1/principals${p}`, { method, headers: { 'Content-Type': 'application/json', ...(authorization !== null ? { Authorization: authorization } : {}) }, ...(body !== null ? { body } : {}) });
      return { status: res.status, json: (await res.json().catch(() => ({}))) as { code?: string; message?: string } };
    };
    const cases: [string, string, string | null, string | null, number][] = [
      ['GET', '', null, null, 401],
      ['POST', '', '{"name":"x1"}', null, 401],
      ['POST', '', '{"name":"x1"}', basic('op', opSecret), 401],
      ['DELETE', '/op', null, 'Bearer AAAA', 401],
      ['POST', '', '{"name":', `Bearer ${admin}`, 400],
      ['POST', '', '[]', `Bearer ${admin}`, 400],
      ['POST', '', '{"name":"../etc"}', `Bearer ${admin}`, 400],
      ['POST', '', '{"name":"admin"}', `Bearer ${admin}`, 400],
      ['POST', '', '{"name":"x1","secret":"short"}', `Bearer ${admin}`, 400],
      ['POST', '', '{"name":"x1","secret":"has\\nnewline-inside"}', `Bearer ${admin}`, 400],
      ['POST', '', '{"name":"x1","secret":12345678}', `Bearer ${admin}`, 400],
      ['POST', '', '{"name":"x1","role":"superuser"}', `Bearer ${admin}`, 400],
      ['POST', '', `{"name":"${'n'.repeat(200)}"}`, `Bearer ${admin}`, 400],
      ['POST', '', JSON.stringify({ name: 'x1', secret: 's'.repeat(100_000) }), `Bearer ${admin}`, 413],
      ['DELETE', '/nobody', null, `Bearer ${admin}`, 404],
      ['DELETE', '/%2e%2e%2fetc', null, `Bearer ${admin}`, 400],
      ['PUT', '', '{}', `Bearer ${admin}`, 404],
    ];
    for (const [method, p, body, authorization, status] of cases) {
      const r = await send(method, p, body, authorization);
      expect(r.status, `${method} ${p} ${String(body).slice(0, 60)}`).toBe(status);
      if (status !== 404 || method !== 'PUT') expect(typeof r.json.message, `${method} ${p}`).toBe('string');
    }
    // Nothing of that added a principal.
    const ls = await cli(['principal', 'ls', '--data-dir', dataDir, '--json']);
    expect((JSON.parse(ls.out) as { name: string }[]).map((p) => p.name)).toEqual(['fw1', 'op']);
  });
});
