import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { simCluster, type SimCluster } from '../helpers/sim-cluster.js';
import { freePort, tempDir, waitFor } from '../helpers/process.js';
import { isOffers, offersOf, type Event, type V1Scheduler } from '../helpers/v1-client.js';
import { requireDocker } from '../containerizer/docker-helpers.js';

// Health checks end to end on the real agent (posix containerizer, real probes on loopback),
// with the cluster on a manual clock: each advance fires exactly one probe, and the test waits
// (wall clock, bounded) for the update that probe causes. Timeouts are covered by the unit tests
// (a probe's timeout runs on the manual clock and would fire while real I/O is still in flight).

interface Status { state: string; healthy?: boolean; reason?: string; message?: string; uuid?: string; agent_id?: { value: string }; task_id: { value: string } }

const statusOf = (e: Event): Status => (e['update'] as { status: Status }).status;

/** A node HTTP server (the task) answering GET /health 200, or 503 while `flag` exists. */
function serverScript(dir: string): string {
  const file = path.join(dir, 'server.cjs');
  fs.writeFileSync(file, `
const http = require('node:http');
const fs = require('node:fs');
const [port, flag] = process.argv.slice(2);
http.createServer((req, res) => {
  const sick = fs.existsSync(flag);
  res.statusCode = req.url === '/health' ? (sick ? 503 : 200) : 404;
  res.end(sick ? 'sick' : 'ok');
}).listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`);
  return file;
}

const timing = { delay_seconds: 1, interval_seconds: 1, timeout_seconds: 0, grace_period_seconds: 0 };

async function launch(s: V1Scheduler, task: Record<string, unknown>): Promise<void> {
  const offer = offersOf(await s.next(isOffers))[0]!;
  const r = await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [{
    name: 'h', task_id: { value: 'h' }, agent_id: offer.agent_id,
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }],
    ...task,
  }] } }] } });
  expect(r.status).toBe(202);
}

/** The next update (acknowledged, so the agent sends the one after it). */
async function nextStatus(s: V1Scheduler): Promise<Status> {
  const st = statusOf(await s.next((e) => e.type === 'UPDATE', 20_000));
  if (st.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: st.agent_id, task_id: st.task_id, uuid: st.uuid } });
  return st;
}

async function untilRunning(s: V1Scheduler): Promise<void> {
  expect((await nextStatus(s)).state).toBe('TASK_STARTING');
  expect((await nextStatus(s)).state).toBe('TASK_RUNNING');
}

/** One probe (advance one interval), then the update it causes. */
async function probe(c: SimCluster, s: V1Scheduler): Promise<Status> {
  await c.advance(1000);
  return nextStatus(s);
}

const healthOf = (st: Status) => ({ state: st.state, healthy: st.healthy, reason: st.reason });
const HEALTHY = { state: 'TASK_RUNNING', healthy: true, reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED' };
const UNHEALTHY = { state: 'TASK_RUNNING', healthy: false, reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED' };

async function listening(port: number): Promise<void> {
  await waitFor('the task to listen', async () => ((await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.status !== undefined ? true : undefined), 20_000);
}

describe('health checks (posix tasks, real probes)', () => {
  it('HTTP: healthy, unhealthy on 503, healthy again, then killed after consecutive failures (TASK_KILLED, healthy false)', async () => {
    const c = await simCluster();
    const dir = tempDir();
    const port = await freePort();
    const flag = path.join(dir, 'sick');
    const s = await c.scheduler({ name: 'hc' });
    await launch(s, {
      command: { shell: false, value: process.execPath, arguments: ['node', serverScript(dir), String(port), flag] },
      health_check: { type: 'HTTP', http: { port, path: '/health' }, consecutive_failures: 2, ...timing },
    });
    await untilRunning(s);
    await listening(port);
    expect(healthOf(await probe(c, s))).toEqual(HEALTHY);
    fs.writeFileSync(flag, '');
    const failed = await probe(c, s);
    expect(healthOf(failed)).toEqual(UNHEALTHY);
    expect(failed.message).toContain('503');
    fs.rmSync(flag);
    expect(healthOf(await probe(c, s))).toEqual(HEALTHY);
    fs.writeFileSync(flag, '');
    expect(healthOf(await probe(c, s))).toEqual(UNHEALTHY);
    expect(healthOf(await probe(c, s))).toEqual(UNHEALTHY);
    const end = await nextStatus(s);
    expect({ state: end.state, healthy: end.healthy }).toEqual({ state: 'TASK_KILLED', healthy: false });
  });

  it('TCP: a listening task is healthy', async () => {
    const c = await simCluster();
    const dir = tempDir();
    const port = await freePort();
    const s = await c.scheduler({ name: 'hc-tcp' });
    await launch(s, {
      command: { shell: false, value: process.execPath, arguments: ['node', serverScript(dir), String(port), path.join(dir, 'none')] },
      health_check: { type: 'TCP', tcp: { port }, ...timing },
    });
    await untilRunning(s);
    await listening(port);
    expect(healthOf(await probe(c, s))).toEqual(HEALTHY);
  });

  it('TCP: a port nobody listens on fails the task (grace 0, one failure)', async () => {
    const c2 = await simCluster();
    const closed = await freePort();
    const s2 = await c2.scheduler({ name: 'hc-tcp-closed' });
    await launch(s2, { command: { value: 'exec sleep 60' }, health_check: { type: 'TCP', tcp: { port: closed }, consecutive_failures: 1, ...timing } });
    await untilRunning(s2);
    const failed = await probe(c2, s2);
    expect(healthOf(failed)).toEqual(UNHEALTHY);
    expect(failed.message).toContain(`127.0.0.1:${closed}`);
    const end = await nextStatus(s2);
    expect({ state: end.state, healthy: end.healthy }).toEqual({ state: 'TASK_KILLED', healthy: false });
  });

  it('COMMAND: exit 0 is healthy, non-zero is not; runs with the task environment in its sandbox', async () => {
    const c = await simCluster();
    const dir = tempDir();
    const flag = path.join(dir, 'sick');
    const s = await c.scheduler({ name: 'hc-cmd' });
    await launch(s, {
      command: { value: 'exec sleep 60', environment: { variables: [{ name: 'SICK_FLAG', value: flag }] } },
      // The sandbox is the cwd and MESOS_SANDBOX is set: the check proves both.
      health_check: { type: 'COMMAND', command: { value: 'test "$(pwd)" = "$MESOS_SANDBOX" && test ! -e "$SICK_FLAG"' }, consecutive_failures: 5, ...timing },
    });
    await untilRunning(s);
    expect(healthOf(await probe(c, s))).toEqual(HEALTHY);
    fs.writeFileSync(flag, '');
    const failed = await probe(c, s);
    expect(healthOf(failed)).toEqual(UNHEALTHY);
    expect(failed.message).toContain('exited with status 1');
    fs.rmSync(flag);
    expect(healthOf(await probe(c, s))).toEqual(HEALTHY);
    // The verdicts show in the task's statuses on the master's and the agent's /state (Mesos shapes).
    type TaskJson = { id: string; statuses: { state: string; healthy?: boolean }[] };
    const masterTask = (await c.state()).frameworks.flatMap((f) => f.tasks as TaskJson[]).find((t) => t.id === 'h')!;
    expect(masterTask.statuses.map((x) => x.healthy)).toEqual([undefined, undefined, true, false, true]);
    const agentState = (await (await fetch(`${c.agent}/state`)).json()) as { frameworks: { executors: { tasks: TaskJson[] }[] }[] };
    const agentTask = agentState.frameworks.flatMap((f) => f.executors.flatMap((e) => e.tasks)).find((t) => t.id === 'h')!;
    expect(agentTask.statuses.map((x) => x.healthy)).toEqual([undefined, undefined, true, false, true]);
    // Reconciliation carries the latest health (Mesos getTaskHealth), for a scheduler that lost track.
    expect((await s.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'h' } }] } })).status).toBe(202);
    const reconciled = statusOf(await s.next((e) => e.type === 'UPDATE'));
    expect({ state: reconciled.state, reason: reconciled.reason, healthy: reconciled.healthy }).toEqual({ state: 'TASK_RUNNING', reason: 'REASON_RECONCILIATION', healthy: true });
  });

  it('failures inside the grace period are not reported; the first one after it is', async () => {
    const c = await simCluster();
    const runs = path.join(tempDir(), 'runs');
    const s = await c.scheduler({ name: 'hc-grace' });
    await launch(s, {
      command: { value: 'exec sleep 60' },
      health_check: { type: 'COMMAND', command: { value: `echo run >> ${runs}; exit 3` }, ...timing, grace_period_seconds: 3, consecutive_failures: 1 },
    });
    await untilRunning(s);
    const probesRun = (): number => (fs.existsSync(runs) ? fs.readFileSync(runs, 'utf8').split('\n').length - 1 : 0);
    // Probes at 1, 2 and 3 s: inside the grace period (its end is included).
    for (let i = 1; i <= 3; i++) {
      await c.advance(1000);
      await waitFor(`probe ${i} to run`, () => (probesRun() >= i ? true : undefined));
    }
    await c.settle();
    await s.barrier();
    expect(s.takeAll((e) => e.type === 'UPDATE')).toEqual([]);
    const failed = await probe(c, s); // 4 s
    expect(healthOf(failed)).toEqual(UNHEALTHY);
    expect((await nextStatus(s)).state).toBe('TASK_KILLED');
  });
});

describe('max_completion_time', () => {
  it('a task still running at its max_completion_time fails with REASON_MAX_COMPLETION_TIME_REACHED', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'mct' });
    await launch(s, { command: { value: 'exec sleep 60' }, max_completion_time: { nanoseconds: 5e9 } });
    await untilRunning(s);
    await c.advance(4000);
    await c.settle();
    await s.barrier();
    expect(s.takeAll((e) => e.type === 'UPDATE')).toEqual([]);
    await c.advance(1000);
    const end = await nextStatus(s);
    expect({ state: end.state, reason: end.reason }).toEqual({ state: 'TASK_FAILED', reason: 'REASON_MAX_COMPLETION_TIME_REACHED' });
  });

  it('a task that ends in time is FINISHED as usual', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'mct-ok' });
    await launch(s, { command: { value: 'exit 0' }, max_completion_time: { nanoseconds: 5e9 } });
    await untilRunning(s);
    expect((await nextStatus(s)).state).toBe('TASK_FINISHED');
  });
});

describe('health checks (docker tasks, network HOST)', () => {
  const dockerTask = (command: string, volumes: { container_path: string; host_path: string }[]) => ({
    command: { value: command },
    container: { type: 'DOCKER', volumes, docker: { image: 'tsmesos/busybox:test', network: 'HOST' } },
  });

  it('HTTP: busybox httpd in the container is healthy, unhealthy once its page is gone', async () => {
    await requireDocker();
    const c = await simCluster({ flags: { containerizers: 'posix,docker' } });
    const www = tempDir();
    fs.writeFileSync(path.join(www, 'index.html'), 'ok');
    const port = await freePort();
    const s = await c.scheduler({ name: 'hc-docker-http' });
    await launch(s, {
      ...dockerTask(`exec httpd -f -p 127.0.0.1:${port} -h /www`, [{ container_path: '/www', host_path: www }]),
      health_check: { type: 'HTTP', http: { port, path: '/index.html' }, consecutive_failures: 1, ...timing },
    });
    await untilRunning(s);
    await listening(port);
    expect(healthOf(await probe(c, s))).toEqual(HEALTHY);
    fs.rmSync(path.join(www, 'index.html'));
    const failed = await probe(c, s);
    expect(healthOf(failed)).toEqual(UNHEALTHY);
    expect(failed.message).toContain('404');
    const end = await nextStatus(s);
    expect({ state: end.state, healthy: end.healthy }).toEqual({ state: 'TASK_KILLED', healthy: false });
  });

  it('COMMAND runs inside the container (docker exec), with the check command environment', async () => {
    await requireDocker();
    const c = await simCluster({ flags: { containerizers: 'posix,docker' } });
    const flags = tempDir();
    const s = await c.scheduler({ name: 'hc-docker-cmd' });
    await launch(s, {
      // /tmp/inside exists only in the container's filesystem: a check run on the host would fail.
      ...dockerTask('touch /tmp/inside-the-container && exec sleep 60', [{ container_path: '/flags', host_path: flags }]),
      health_check: {
        type: 'COMMAND', consecutive_failures: 100, ...timing,
        command: { value: 'test -f /tmp/inside-the-container && test ! -e "/flags/$NAME"', environment: { variables: [{ name: 'NAME', value: 'sick' }] } },
      },
    });
    await untilRunning(s);
    await waitFor('the container to start its command', async () => {
      await c.advance(1000);
      const st = await nextStatus(s);
      return st.healthy === true ? st : undefined;
    }, 20_000);
    fs.writeFileSync(path.join(flags, 'sick'), '');
    const failed = await probe(c, s);
    expect(healthOf(failed)).toEqual(UNHEALTHY);
    expect(failed.message).toContain('exited with status 1');
  });
});
