// An app's `fetch` (and the legacy `uris`) end to end: a real master + agent, a loopback HTTP
// server serving a tarball, a plain file and a script; the instances' commands read what the
// agent's fetcher put in their sandboxes and serve it on their port. A URI that cannot be
// fetched fails the instance, and the failure names it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCluster } from '../helpers/in-process.js';
import { tempDir, waitFor } from '../helpers/process.js';

let cluster: Awaited<ReturnType<typeof inProcessCluster>> | null = null;
let server: http.Server;
let base = '';
const served: string[] = [];
const files = tempDir('tsmesos-app-fetch-');

beforeAll(async () => {
  // app.tgz holds app/serve.js: it answers with the file named by its argument (read at each request).
  const tree = path.join(files, 'tree', 'app');
  fs.mkdirSync(tree, { recursive: true });
  fs.writeFileSync(path.join(tree, 'serve.js'),
    "require('http').createServer((q, s) => s.end(require('fs').readFileSync(process.argv[2], 'utf8'))).listen(+process.env.PORT0, '127.0.0.1');\n");
  execFileSync('tar', ['-C', path.dirname(tree), '-czf', path.join(files, 'app.tgz'), 'app']);
  fs.writeFileSync(path.join(files, 'settings.txt'), 'setting=42\n');
  fs.writeFileSync(path.join(files, 'greet.sh'), '#!/bin/sh\necho "greetings from $MARATHON_APP_ID" > greeting.txt\n');
  server = http.createServer((req, res) => {
    const name = (req.url ?? '').slice(1);
    served.push(name);
    if (['app.tgz', 'settings.txt', 'greet.sh'].includes(name)) fs.createReadStream(path.join(files, name)).pipe(res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  // A port range of its own: instances of other test files' clusters listen on loopback too.
  cluster = await inProcessCluster({ resources: 'cpus:2;mem:1024;disk:1024;ports:[31100-31110]' });
});
afterAll(async () => {
  await cluster?.stop();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

interface TaskJson { id: string; state: string; ports: number[] }

async function send(method: string, p: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${cluster!.master}${p}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function servedBody(appId: string): Promise<string> {
  const [task] = await waitFor(`a running task of ${appId}`, async () => {
    const t = (await send('GET', `/v2/apps${appId}/tasks`)).json['tasks'] as TaskJson[];
    return t.length === 1 && t[0]!.state === 'TASK_RUNNING' ? t : undefined;
  }, 30_000, 100);
  return waitFor(`HTTP from ${appId}`, async () => {
    const r = await fetch(`http://127.0.0.1:${task!.ports[0]}/`).catch(() => undefined);
    return r?.ok === true ? r.text() : undefined;
  }, 15_000, 100);
}

describe('fetch and uris in app definitions', () => {
  it('fetch: an archive is extracted, destPath renames a file, executable marks a script runnable', async () => {
    const created = await send('POST', '/v2/apps', {
      id: '/fetch/web', cpus: 0.05, mem: 32,
      cmd: `./greet.sh && cat greeting.txt conf/settings.txt > page.txt && exec ${process.execPath} app/serve.js page.txt`,
      fetch: [
        { uri: `${base}/app.tgz` },
        { uri: `${base}/settings.txt`, destPath: 'conf/settings.txt' },
        { uri: `${base}/greet.sh`, executable: true },
      ],
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    // Marathon's defaults filled in: extract true, executable and cache false.
    expect(created.json['fetch']).toEqual([
      { uri: `${base}/app.tgz`, extract: true, executable: false, cache: false },
      { uri: `${base}/settings.txt`, destPath: 'conf/settings.txt', extract: true, executable: false, cache: false },
      { uri: `${base}/greet.sh`, extract: true, executable: true, cache: false },
    ]);
    expect(await servedBody('/fetch/web')).toBe('greetings from /fetch/web\nsetting=42\n');
    expect(served).toEqual(expect.arrayContaining(['app.tgz', 'settings.txt', 'greet.sh']));
  });

  it('legacy uris: stored as fetch, archives extracted by their suffix, other files kept as they are', async () => {
    const created = await send('POST', '/v2/apps', {
      id: '/fetch/legacy', cpus: 0.05, mem: 32,
      cmd: `test -f app.tgz && exec ${process.execPath} app/serve.js settings.txt`,
      uris: [`${base}/app.tgz`, `${base}/settings.txt`],
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json['uris']).toBeUndefined();
    expect(created.json['fetch']).toEqual([
      { uri: `${base}/app.tgz`, extract: true, executable: false, cache: false },
      { uri: `${base}/settings.txt`, extract: false, executable: false, cache: false },
    ]);
    expect(await servedBody('/fetch/legacy')).toBe('setting=42\n');
    // A PUT with uris replaces the stored artifacts instead of conflicting with them.
    const put = await send('PUT', '/v2/apps/fetch/legacy?force=true', { uris: [`${base}/settings.txt`], cmd: `exec ${process.execPath} -e "require('http').createServer((q,s)=>s.end('v2 '+require('fs').readFileSync('settings.txt'))).listen(+process.env.PORT0,'127.0.0.1')"` });
    expect(put.status, JSON.stringify(put.json)).toBe(200);
    await waitFor('the new version serving', async () => ((await servedBody('/fetch/legacy')) === 'v2 setting=42\n' ? true : undefined), 30_000, 200);
    expect(((await send('GET', '/v2/apps/fetch/legacy')).json['app'] as { fetch: unknown[] }).fetch).toEqual([{ uri: `${base}/settings.txt`, extract: false, executable: false, cache: false }]);
  });

  it('a URI that cannot be fetched fails the instance: lastTaskFailure names it', async () => {
    expect((await send('POST', '/v2/apps', { id: '/fetch/missing', cpus: 0.05, mem: 32, cmd: 'sleep 1000', fetch: [{ uri: `${base}/missing.tgz` }], backoffSeconds: 600 })).status).toBe(201);
    const failure = await waitFor('the failure', async () => ((await send('GET', '/v2/apps/fetch/missing')).json['app'] as { lastTaskFailure?: { state: string; message: string } }).lastTaskFailure, 30_000, 100);
    expect(failure).toMatchObject({ state: 'TASK_FAILED', message: `Failed to fetch '${base}/missing.tgz': HTTP 404` });
    expect((await send('DELETE', '/v2/apps/fetch/missing?force=true')).status).toBe(200);
  });
});
