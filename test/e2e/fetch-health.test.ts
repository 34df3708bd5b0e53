// On the built executable (`up --role all`): a task whose program arrives through the fetcher
// (a tarball from a loopback HTTP server) and is health checked over HTTP on the real clock.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startAllInOne, tempDir, waitFor, type Proc } from '../helpers/process.js';
import { offersOf, V1Scheduler, type Event } from '../helpers/v1-client.js';
import { followTask, launchTask } from './task-flow.js';

describe('fetched program with an HTTP health check (built executable)', () => {
  const dataDir = tempDir();
  const files = tempDir();
  let server: http.Server;
  let base = '';
  let proc: Proc;
  let s: V1Scheduler;

  beforeAll(async () => {
    // The program: a node HTTP server answering /health, shipped as app.tgz.
    fs.mkdirSync(path.join(files, 'app'));
    fs.writeFileSync(path.join(files, 'app', 'server.cjs'), `require('node:http').createServer((q, r) => r.end('ok')).listen(Number(process.argv[2]), '127.0.0.1');`);
    execFileSync('tar', ['-C', files, '-czf', path.join(files, 'app.tgz'), 'app']);
    server = http.createServer((req, res) => (req.url === '/app.tgz' ? fs.createReadStream(path.join(files, 'app.tgz')).pipe(res) : res.writeHead(404).end()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const cluster = await startAllInOne(dataDir);
    proc = cluster.proc;
    s = new V1Scheduler(cluster.master);
    await s.subscribe({ user: 'root', name: 'fetch-health-e2e' });
  });
  afterAll(async () => {
    s?.close();
    proc?.kill('SIGKILL');
    await proc?.exited;
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('fetches and extracts the program, runs it, and reports it healthy', async () => {
    const port = await freePort();
    const offer = offersOf(await s.next((e) => e.type === 'OFFERS'))[0]!;
    await launchTask(s, offer, {
      name: 'web', task_id: { value: 'web' },
      command: { shell: false, value: process.execPath, arguments: ['node', 'app/server.cjs', String(port)], uris: [{ value: `${base}/app.tgz` }] },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.2 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 128 } }],
      health_check: { type: 'HTTP', http: { port, path: '/health' }, delay_seconds: 0, interval_seconds: 0.5, grace_period_seconds: 60 },
    });
    const statuses: { state: string; healthy?: boolean; reason?: string; uuid?: string; agent_id?: unknown; task_id: unknown }[] = [];
    await waitFor('a healthy update', async () => {
      const e: Event = await s.next((x) => x.type === 'UPDATE', 30_000);
      const st = (e['update'] as { status: (typeof statuses)[number] }).status;
      statuses.push(st);
      if (st.uuid !== undefined) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: st.agent_id, task_id: st.task_id, uuid: st.uuid } });
      return st.healthy === true || ['TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR'].includes(st.state) ? st : undefined;
    }, 60_000);
    expect(statuses.map((x) => [x.state, x.healthy ?? null])).toEqual([['TASK_STARTING', null], ['TASK_RUNNING', null], ['TASK_RUNNING', true]]);
    expect(statuses.at(-1)?.reason).toBe('REASON_TASK_HEALTH_CHECK_STATUS_UPDATED');
    // Killed (and its container gone) before the agent is SIGKILLed at the end.
    expect((await s.call({ type: 'KILL', kill: { task_id: { value: 'web' } } })).status).toBe(202);
    expect((await followTask(s, 'web', 'TASK_KILLED')).at(-1)?.state).toBe('TASK_KILLED');
  });
});
