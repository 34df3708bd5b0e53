import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simCluster } from '../helpers/sim-cluster.js';
import { tempDir, waitFor } from '../helpers/process.js';
import { isOffers, offersOf, updateOf, type V1Scheduler } from '../helpers/v1-client.js';

// CommandInfo.uris through the whole path: framework -> master -> agent, fetched from a loopback
// HTTP server into the sandbox before the task starts; a failed fetch is TASK_FAILED.

let server: http.Server;
let base = '';
let stalled = 0;
const files = tempDir('tsmesos-fetch-task-');

beforeAll(async () => {
  const tree = path.join(files, 'tree', 'app');
  fs.mkdirSync(tree, { recursive: true });
  fs.writeFileSync(path.join(tree, 'run.sh'), '#!/bin/sh\necho fetched-and-ran\n', { mode: 0o755 });
  execFileSync('tar', ['-C', path.dirname(tree), '-czf', path.join(files, 'app.tgz'), 'app']);
  server = http.createServer((req, res) => {
    if (req.url === '/app.tgz') fs.createReadStream(path.join(files, 'app.tgz')).pipe(res);
    else if (req.url === '/stall.tgz') {
      // Headers and one byte, then nothing: only a kill (or the 60 s stall timeout) ends this fetch.
      stalled++;
      res.writeHead(200);
      res.write('x');
    }
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

async function run(s: V1Scheduler, command: Record<string, unknown>, whileStaging?: () => Promise<void>): Promise<ReturnType<typeof updateOf>[]> {
  const offer = offersOf(await s.next(isOffers))[0]!;
  await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [{
    name: 'f', task_id: { value: 'f' }, agent_id: offer.agent_id, command,
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
  }] } }] } });
  await whileStaging?.();
  const seen: ReturnType<typeof updateOf>[] = [];
  for (let i = 0; i < 10; i++) {
    const u = updateOf(await s.next((e) => e.type === 'UPDATE', 20_000));
    seen.push(u);
    if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
    if (['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST'].includes(u.state)) break;
  }
  return seen;
}

describe('fetching CommandInfo.uris for a task', () => {
  it('the archive is downloaded and extracted into the sandbox before the task starts', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'fetch' });
    const updates = await run(s, { value: 'test "$(./app/run.sh)" = fetched-and-ran && test -f "$MESOS_SANDBOX/app.tgz"', uris: [{ value: `${base}/app.tgz` }] });
    expect(updates.map((u) => u.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
  });

  it('a URI that cannot be fetched fails the task with REASON_CONTAINER_LAUNCH_FAILED, naming the URI', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'fetch-404' });
    const updates = await run(s, { value: 'true', uris: [{ value: `${base}/app.tgz` }, { value: `${base}/missing.tgz` }] });
    expect(updates.map((u) => [u.state, u.reason])).toEqual([['TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED']]);
    expect(updates[0]!.message).toBe(`Failed to fetch '${base}/missing.tgz': HTTP 404`);
  });

  it('a kill during the fetch abandons it: TASK_KILLED REASON_TASK_KILLED_DURING_LAUNCH, never started', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'fetch-kill' });
    stalled = 0;
    const updates = await run(s, { value: 'true', uris: [{ value: `${base}/stall.tgz` }] }, async () => {
      await waitFor('the fetch to start', () => (stalled > 0 ? true : undefined));
      expect((await s.call({ type: 'KILL', kill: { task_id: { value: 'f' } } })).status).toBe(202);
    });
    expect(updates.map((u) => [u.state, u.reason])).toEqual([['TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH']]);
  });

  it('a URI the master cannot accept is TASK_ERROR before it reaches the agent', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'fetch-bad' });
    const updates = await run(s, { value: 'true', uris: [{ value: `${base}/x.tgz`, output_file: '../../etc/cron.d/x' }] });
    expect(updates.map((u) => [u.state, u.reason])).toEqual([['TASK_ERROR', 'REASON_TASK_INVALID']]);
    expect(updates[0]!.message).toContain("output_file: must not contain '..'");
  });
});
