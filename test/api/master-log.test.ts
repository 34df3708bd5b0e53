import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, tempDir, tsmesos, waitFor, type Proc } from '../helpers/process.js';
import { operatorCall } from '../helpers/operator-client.js';

// --log-dir (Mesos --log_dir): the process appends its log to DIR/tsmesos.log, and a master serves
// it as /master/log through the operator API's LIST_FILES / READ_FILE and the legacy /files/read.
// Nothing else is served; without --log-dir, /master/log is a 404 too. Real master processes.

describe('the master log (--log-dir), real processes', () => {
  const logDir = path.join(tempDir('tsmesos-logdir-'), 'logs');
  let withLog: Proc;
  let without: Proc;
  let url = '';
  let plain = '';

  beforeAll(async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    url = `http://127.0.0.1:${p1}`;
    plain = `http://127.0.0.1:${p2}`;
    withLog = tsmesos(['up', '--role', 'master', '--data-dir', tempDir(), '--port', String(p1), '--marathon-port', '0', '--log-dir', logDir]);
    without = tsmesos(['up', '--role', 'master', '--data-dir', tempDir(), '--port', String(p2), '--marathon-port', '0']);
    for (const [u, p] of [[url, withLog], [plain, without]] as const) {
      await waitFor('the master to lead', async () => ((await fetch(`${u}/master/state`).catch(() => null))?.status === 200 ? true : undefined), 30_000).catch((e: unknown) => {
        throw new Error(`${String(e)}\n${p.output()}`);
      });
    }
  });
  afterAll(() => {
    withLog.kill('SIGKILL');
    without.kill('SIGKILL');
  });

  it('READ_FILE and LIST_FILES of /master/log return the file the process writes', async () => {
    const file = path.join(logDir, 'tsmesos.log');
    await waitFor('the log line', () => (fs.readFileSync(file, 'utf8').includes('master listening') ? true : undefined), 10_000);
    const read = await operatorCall(url, { type: 'READ_FILE', read_file: { path: '/master/log', offset: 0 } });
    expect(read.status, read.text).toBe(200);
    const r = read.json!['read_file'] as { size: number; data: string };
    const text = Buffer.from(r.data, 'base64').toString('utf8');
    expect(text).toContain('master listening');
    expect(r.size).toBeGreaterThanOrEqual(Buffer.byteLength(text));
    // The same lines as stderr.
    expect(withLog.output()).toContain(text.split('\n')[0]!);
    const tail = await operatorCall(url, { type: 'READ_FILE', read_file: { path: '/master/log', offset: r.size - 10, length: 4 } });
    expect(Buffer.from((tail.json!['read_file'] as { data: string }).data, 'base64').length).toBe(4);
    const list = await operatorCall(url, { type: 'LIST_FILES', list_files: { path: '/master/log' } });
    const infos = (list.json!['list_files'] as { file_infos: { path: string; size: number }[] }).file_infos;
    expect(infos.map((i) => i.path)).toEqual(['/master/log']);
    expect(infos[0]!.size).toBeGreaterThan(0);
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('640');
  });

  it('the legacy /files/read: no offset gives the size, an offset the data', async () => {
    const size = ((await (await fetch(`${url}/files/read?path=/master/log`)).json()) as { offset: number; data: string });
    expect(size.data).toBe('');
    expect(size.offset).toBeGreaterThan(0);
    const body = (await (await fetch(`${url}/files/read?path=%2Fmaster%2Flog&offset=0&length=100000`)).json()) as { offset: number; data: string };
    expect(body.offset).toBe(0);
    expect(body.data).toContain('master listening');
  });

  it('any other path, or a master without --log-dir, is a 404; bad offsets are 400', async () => {
    for (const p of ['/etc/passwd', '/master/../etc/passwd', '/master', '/master/log2', '', 'master/log', `/${'x'.repeat(4000)}`]) {
      const r = await operatorCall(url, { type: 'READ_FILE', read_file: { path: p, offset: 0 } });
      expect([p.slice(0, 30), r.status]).toEqual([p.slice(0, 30), 404]);
      expect(r.json?.['code']).toBe('NOT_FOUND');
      expect((await fetch(`${url}/files/read?path=${encodeURIComponent(p)}&offset=0`)).status).toBe(404);
    }
    for (const type of ['READ_FILE', 'LIST_FILES']) {
      const body = type === 'READ_FILE' ? { type, read_file: { path: '/master/log', offset: 0 } } : { type, list_files: { path: '/master/log' } };
      expect((await operatorCall(plain, body)).status).toBe(404);
    }
    expect((await fetch(`${plain}/files/read?path=/master/log`)).status).toBe(404);
    expect((await operatorCall(url, { type: 'READ_FILE', read_file: { path: '/master/log', offset: -1 } })).status).toBe(400);
    expect((await operatorCall(url, { type: 'READ_FILE', read_file: { path: '/master/log', offset: 0, length: -5 } })).status).toBe(400);
    expect((await operatorCall(url, { type: 'READ_FILE' })).status).toBe(400);
    // Longer than PATH_MAX: refused by the wire layer.
    expect((await operatorCall(url, { type: 'READ_FILE', read_file: { path: `/${'x'.repeat(5000)}`, offset: 0 } })).status).toBe(400);
    for (const q of ['offset=x', 'offset=-7', 'offset=0&length=1e3']) expect((await fetch(`${url}/files/read?path=/master/log&${q}`)).status, q).toBe(400);
  });

  it('an unusable --log-dir stops the start with a message (exit 2)', async () => {
    const notDir = path.join(tempDir(), 'a-file');
    fs.writeFileSync(notDir, '');
    const p = tsmesos(['up', '--role', 'master', '--data-dir', tempDir(), '--port', String(await freePort()), '--log-dir', notDir]);
    const { code } = await p.exited;
    expect(code).toBe(2);
    expect(p.output()).toMatch(/invalid --log-dir .*cannot open/);
  });
});
