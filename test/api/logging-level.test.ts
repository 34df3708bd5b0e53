import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, tempDir, tsmesos, waitFor, type Proc } from '../helpers/process.js';
import { operatorCall } from '../helpers/operator-client.js';

// SET_LOGGING_LEVEL / GET_LOGGING_LEVEL and libprocess's /logging/toggle on a real master process
// (--log-level info): a raised verbosity makes the process write its debug lines (each HTTP request
// is one), and reverts when its duration ends. Mesos semantics: the level belongs to the addressed
// process, a new change replaces the last one and its deadline; with --authenticate-http-readwrite
// the toggle needs credentials even as a GET.

const IP = '127.0.1.92';

const requestLine = (out: string, p: string): boolean => out.split('\n').some((l) => l.includes(' DEBUG ') && l.includes(`HTTP GET ${p} `));

describe('logging level (real master process)', () => {
  const dataDir = tempDir('tsmesos-logging-');
  let master: Proc;
  let url = '';
  let admin = '';

  beforeAll(async () => {
    const port = await freePort(IP);
    url = `http://${IP}:${port}`;
    master = tsmesos(['up', '--role', 'master', '--ip', IP, '--port', String(port), '--data-dir', dataDir, '--log-level', 'info', '--authenticate-http-readwrite', 'true']);
    const adminFile = path.join(dataDir, 'master', 'tls', 'admin.json');
    await waitFor('the admin credential', () => (fs.existsSync(adminFile) ? true : undefined), 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${master.output()}`);
    });
    admin = (JSON.parse(fs.readFileSync(adminFile, 'utf8')) as { token: string }).token;
  });
  afterAll(() => master.kill('SIGKILL'));

  const auth = (): Record<string, string> => ({ Authorization: `Bearer ${admin}` });
  const level = async (): Promise<number> => {
    const r = await operatorCall(url, { type: 'GET_LOGGING_LEVEL' }, auth());
    expect(r.status, r.text).toBe(200);
    return (r.json?.['get_logging_level'] as { level: number }).level;
  };
  const setLevel = (lvl: unknown, nanoseconds: unknown, headers = auth()): Promise<{ status: number; json: Record<string, unknown> | null }> =>
    operatorCall(url, { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: lvl, duration: { nanoseconds } } }, headers);

  it('SET_LOGGING_LEVEL writes debug lines for its duration, then reverts to --log-level', async () => {
    expect(await level()).toBe(0);
    await fetch(`${url}/health`);
    expect(requestLine(master.output(), '/health')).toBe(false);

    expect((await setLevel(1, 1_500_000_000)).status).toBe(200);
    expect(await level()).toBe(1);
    await fetch(`${url}/version`);
    await waitFor('the debug line of GET /version', () => (requestLine(master.output(), '/version') ? true : undefined), 5000);

    await waitFor('the level to revert', async () => ((await level()) === 0 ? true : undefined), 10_000);
    await fetch(`${url}/master/flags`);
    // A line that was going to be written would be by the time GET_LOGGING_LEVEL answers.
    await level();
    expect(requestLine(master.output(), '/master/flags')).toBe(false);
  }, 40_000);

  it('a later change replaces the earlier deadline; level 0 reverts at once', async () => {
    expect((await setLevel(2, 600_000_000)).status).toBe(200);
    expect((await setLevel(3, 60_000_000_000)).status).toBe(200);
    // Past the first deadline, the second change still holds.
    await new Promise((r) => setTimeout(r, 1200));
    expect(await level()).toBe(3);
    expect((await setLevel(0, 1_000_000_000)).status).toBe(200);
    expect(await level()).toBe(0);
  }, 20_000);

  it('/logging/toggle reads and sets the level, needs credentials to set, and refuses bad queries', async () => {
    expect(await (await fetch(`${url}/logging/toggle`, { headers: auth() })).text()).toBe('0\n');
    const noAuth = await fetch(`${url}/logging/toggle?level=1&duration=10secs`);
    expect(noAuth.status).toBe(401);
    expect(await level()).toBe(0);
    const set = await fetch(`${url}/logging/toggle?level=1&duration=10secs`, { headers: auth() });
    expect(set.status).toBe(200);
    expect(await level()).toBe(1);
    expect(await (await fetch(`${url}/logging/toggle`, { headers: auth() })).text()).toBe('1\n');
    for (const q of ['level=1', 'duration=10secs', 'level=-1&duration=1secs', 'level=x&duration=1secs', 'level=1&duration=10', 'level=1&duration=0secs',
      'level=1&duration=9999weeks', 'level=101&duration=1secs', `level=1&duration=${'9'.repeat(5000)}secs`, 'level=1&duration=%00']) {
      const r = await fetch(`${url}/logging/toggle?${q}`, { headers: auth() });
      const body = (await r.json()) as { code?: string; message?: string };
      expect([q, r.status, body.code]).toEqual([q, 400, 'BAD_REQUEST']);
      expect(body.message).toBeTruthy();
    }
    expect(await level()).toBe(1);
    expect((await fetch(`${url}/logging/toggle?level=0&duration=1secs`, { headers: auth() })).status).toBe(200);
    expect(await level()).toBe(0);
  }, 20_000);

  it('malformed, oversized and hostile SET_LOGGING_LEVEL calls are 4xx and change nothing', async () => {
    expect((await setLevel(1, 1_000_000_000, {})).status).toBe(401);
    const bad: [unknown, unknown][] = [[-1, 1e9], [1.5, 1e9], ['1', 1e9], [1, 0], [1, -5], [1, 'soon'], [1, 2 ** 70], [1, 8 * 24 * 3600 * 1e9], [2 ** 32, 1e9], [101, 1e9], [null, 1e9]];
    for (const [lvl, ns] of bad) {
      const r = await setLevel(lvl, ns);
      expect([lvl, ns, r.status, r.json?.['code']]).toEqual([lvl, ns, 400, 'BAD_REQUEST']);
    }
    for (const body of ['{"type":"SET_LOGGING_LEVEL"}', '{"type":"SET_LOGGING_LEVEL","set_logging_level":{"level":1}}', '{"type":"SET_LOGGING_LEVEL","set_logging_level":[]}',
      `{"type":"SET_LOGGING_LEVEL","set_logging_level":{"level":1,"duration":{"nanoseconds":1000000000},"x":"${'a'.repeat(2 * 1024 * 1024)}"}}`]) {
      const r = await operatorCall(url, body, auth());
      expect(r.status, body.slice(0, 80)).toBeGreaterThanOrEqual(400);
      expect(r.status, body.slice(0, 80)).toBeLessThan(500);
    }
    expect(await level()).toBe(0);
  }, 20_000);
});
