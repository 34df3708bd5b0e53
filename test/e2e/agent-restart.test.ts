// Agent kill -9 and restart with running posix tasks (and a docker task), real master and agent
// processes: every task is found again and keeps running or, if it ended while the agent was
// down, is reported with its exit; an update the framework had not acknowledged is delivered
// again after the restart; kills still work; no task is lost or duplicated and each task's
// updates arrive in order. Then a reboot (another boot id in the checkpoint): nothing is adopted,
// and the master reports the task lost.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootIdFile, posixContainersDir } from '../../src/agent/paths.js';
import { loadContainerStates, processStartTime, type PosixCheckpoint } from '../../src/containerizer/posix-recovery.js';
import { freePort, getJson, tempDir, tsmesos, waitFor, waitForActiveAgent, type Proc } from '../helpers/process.js';
import { offersOf, updateOf, V1Scheduler, type Event, type Offer } from '../helpers/v1-client.js';
import { requireDocker } from '../containerizer/docker-helpers.js';
import { dockerTask, type Update } from './task-flow.js';

const isUpdate = (e: Event): boolean => e.type === 'UPDATE';

/** Every update the framework receives, in arrival order; acknowledged unless held back. */
class UpdateLog {
  readonly log: Update[] = [];
  /** `taskId/state` updates not to acknowledge (yet). */
  readonly held = new Set<string>();
  constructor(private readonly s: V1Scheduler) {}

  async drain(): Promise<void> {
    for (const e of this.s.takeAll(isUpdate)) {
      const u = updateOf(e);
      this.log.push(u);
      if (!this.held.has(`${u.task_id.value}/${u.state}`)) await this.ack(u);
    }
  }

  async ack(u: Update): Promise<void> {
    if (u.uuid === undefined) return;
    const r = await this.s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
    expect(r.status).toBe(202);
  }

  async until(what: string, pred: () => boolean, timeoutMs = 30_000): Promise<void> {
    await waitFor(what, async () => {
      await this.drain();
      return pred() ? true : undefined;
    }, timeoutMs, 50);
  }

  of(taskId: string): Update[] {
    return this.log.filter((u) => u.task_id.value === taskId);
  }

  /** The task's distinct updates (a resend carries the same uuid), in order of first arrival. */
  states(taskId: string): string[] {
    const seen = new Set<string>();
    return this.of(taskId).filter((u) => (u.uuid === undefined || !seen.has(u.uuid)) && (u.uuid === undefined || seen.add(u.uuid))).map((u) => u.state);
  }

  has(taskId: string, state: string): boolean {
    return this.of(taskId).some((u) => u.state === state);
  }
}

const resources = [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }];
const shellTask = (id: string, value: string): Record<string, unknown> => ({ name: id, task_id: { value: id }, command: { shell: true, value }, resources });

async function launchAll(s: V1Scheduler, tasks: Record<string, unknown>[]): Promise<void> {
  // Offers queued before an agent restart may be rescinded by now: decline them all and take a fresh one.
  const stale = s.takeAll((e) => e.type === 'OFFERS').flatMap((e) => offersOf<Offer>(e));
  if (stale.length > 0) await s.call({ type: 'DECLINE', decline: { offer_ids: stale.map((o) => o.id), filters: { refuse_seconds: 0 } } });
  const offer = offersOf<Offer>(await s.next((e) => e.type === 'OFFERS'))[0]!;
  const res = await s.call({
    type: 'ACCEPT',
    accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks.map((t) => ({ agent_id: offer.agent_id, ...t })) } }], filters: { refuse_seconds: 0 } },
  });
  expect(res.status).toBe(202);
}

describe.each([
  { isolation: 'cgroups/cpu,cgroups/mem', withDocker: true },
  { isolation: 'posix/cpu,posix/mem', withDocker: false },
])('agent kill -9 and restart ($isolation)', ({ isolation, withDocker }) => {
  const dataDir = tempDir();
  const workDir = path.join(dataDir, 'a', 'agent');
  const flags = path.join(dataDir, 'flags');
  let master: Proc;
  let agent: Proc;
  let masterUrl = '';
  let masterPort = 0;
  let agentPort = 0;
  let fw: V1Scheduler;
  let updates: UpdateLog;

  const startAgent = (): Proc =>
    tsmesos(['up', '--role', 'agent', '--data-dir', path.join(dataDir, 'a'), '--port', String(agentPort), '--master', `127.0.0.1:${masterPort}`,
      '--containerizers', withDocker ? 'posix,docker' : 'posix', '--isolation', isolation]);
  const killAgent = async (): Promise<void> => {
    agent.kill('SIGKILL');
    await agent.exited;
  };
  const masterTasks = async (): Promise<{ id: string; state: string }[]> => {
    const s = (await getJson(`${masterUrl}/master/state`)).body as { frameworks: { id: string; tasks: { id: string; state: string }[]; completed_tasks: { id: string; state: string }[] }[] };
    const f = s.frameworks.find((x) => x.id === fw.frameworkId);
    return [...(f?.tasks ?? []), ...(f?.completed_tasks ?? [])];
  };
  const agentReregistered = async (): Promise<void> => {
    await waitFor('the agent reregistered', async () => {
      const s = (await getJson(`${masterUrl}/master/state`)).body as { slaves: { active: boolean }[] };
      return s.slaves.length === 1 && s.slaves[0]!.active ? true : undefined;
    }, 30_000);
  };

  beforeAll(async () => {
    if (withDocker) await requireDocker();
    fs.mkdirSync(flags);
    masterPort = await freePort();
    agentPort = await freePort();
    masterUrl = `http://127.0.0.1:${masterPort}`;
    // Its agent connects over plain HTTP (the test is about the agent's recovery, not its transport).
    master = tsmesos(['up', '--role', 'master', '--data-dir', path.join(dataDir, 'm'), '--port', String(masterPort), '--agent-tls', 'optional']);
    agent = startAgent();
    await waitForActiveAgent(masterUrl, 30_000);
    fw = new V1Scheduler(masterUrl);
    await fw.subscribe({ user: 'root', name: 'restart-test', checkpoint: true, failover_timeout: 600 });
    updates = new UpdateLog(fw);
  });
  afterAll(async () => {
    fw?.close();
    agent?.kill('SIGKILL');
    master?.kill('SIGKILL');
    await Promise.all([agent?.exited, master?.exited]);
  });

  it('tasks keep running or report how they ended; unacknowledged updates come again; nothing is lost or duplicated', async () => {
    const waitFile = (name: string, code: number): string => `while [ ! -e ${flags}/${name} ]; do sleep 0.05; done; echo bye; exit ${code}`;
    const tasks = [
      shellTask('runner', 'exec sleep 300'),
      shellTask('finishes-while-down', waitFile('go-down', 0)),
      shellTask('fails-while-down', waitFile('go-down', 5)),
      shellTask('exits-after-restart', waitFile('go-after', 3)),
      shellTask('stubborn', "trap '' TERM; while :; do sleep 0.05; done"),
      shellTask('unacked', 'exec sleep 300'),
      ...(withDocker ? [dockerTask('docker-runner', 'while :; do sleep 0.1; done')] : []),
    ];
    const ids = tasks.map((t) => (t['task_id'] as { value: string }).value);
    updates.held.add('unacked/TASK_RUNNING');
    updates.held.add('finishes-while-down/TASK_FINISHED');
    await launchAll(fw, tasks);
    await updates.until('every task running', () => ids.every((id) => updates.has(id, 'TASK_RUNNING')));
    const unackedRunning = updates.of('unacked').find((u) => u.state === 'TASK_RUNNING')!;

    await killAgent();
    // While the agent is down two tasks end; their supervisors record how.
    fs.writeFileSync(path.join(flags, 'go-down'), '');
    const exitsRecorded = (): number => loadContainerStates(posixContainersDir(workDir)).filter((c) => fs.existsSync(path.join(posixContainersDir(workDir), c.containerId, 'exit'))).length;
    await waitFor('two exits recorded while the agent is down', () => (exitsRecorded() === 2 ? true : undefined));

    await updates.drain();
    const restartedAt = updates.log.length;
    agent = startAgent();
    await agentReregistered();
    await updates.until('the exits that happened while the agent was down', () => updates.has('finishes-while-down', 'TASK_FINISHED') && updates.has('fails-while-down', 'TASK_FAILED'));
    expect(updates.of('fails-while-down').at(-1)).toMatchObject({ state: 'TASK_FAILED', message: 'Command exited with status 5' });
    // The RUNNING update never acknowledged is delivered again, the same update (same uuid).
    await updates.until('the unacknowledged update again', () => updates.log.slice(restartedAt).some((u) => u.uuid === unackedRunning.uuid));
    updates.held.delete('unacked/TASK_RUNNING');
    await updates.ack(unackedRunning);

    const running = await masterTasks();
    for (const id of ['runner', 'exits-after-restart', 'stubborn', 'unacked', ...(withDocker ? ['docker-runner'] : [])]) {
      expect(running.find((t) => t.id === id)?.state, id).toBe('TASK_RUNNING');
    }

    // An exit after the restart, though the task is no child of the new agent.
    fs.writeFileSync(path.join(flags, 'go-after'), '');
    await updates.until('the exit after the restart', () => updates.has('exits-after-restart', 'TASK_FAILED'));
    expect(updates.of('exits-after-restart').at(-1)).toMatchObject({ state: 'TASK_FAILED', message: 'Command exited with status 3' });

    // Kills reach adopted tasks: SIGTERM, and SIGKILL after the grace period for the stubborn one.
    expect((await fw.call({ type: 'KILL', kill: { task_id: { value: 'stubborn' }, kill_policy: { grace_period: { nanoseconds: 300_000_000 } } } })).status).toBe(202);
    for (const id of ['runner', 'unacked', ...(withDocker ? ['docker-runner'] : [])]) expect((await fw.call({ type: 'KILL', kill: { task_id: { value: id } } })).status).toBe(202);
    await updates.until('every kill done', () => ['stubborn', 'runner', 'unacked', ...(withDocker ? ['docker-runner'] : [])].every((id) => updates.has(id, 'TASK_KILLED')));

    // A second crash while the FINISHED update is still unacknowledged: the ended task is reported
    // again on reregistration and its update delivered again; once acknowledged, no checkpoint is left.
    const finished = updates.of('finishes-while-down').find((u) => u.state === 'TASK_FINISHED')!;
    await killAgent();
    await updates.drain();
    const secondRestartAt = updates.log.length;
    agent = startAgent();
    await agentReregistered();
    await updates.until('the unacknowledged FINISHED again', () => updates.log.slice(secondRestartAt).some((u) => u.uuid === finished.uuid));
    updates.held.clear();
    await updates.ack(finished);
    await waitFor('every task checkpoint gone', () => (fs.readdirSync(path.join(workDir, 'meta', 'tasks')).length === 0 ? true : undefined));
    await waitFor('every update journal gone', () => (fs.readdirSync(path.join(workDir, 'meta', 'updates')).length === 0 ? true : undefined));

    const expected: Record<string, string[]> = {
      'runner': ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED'],
      'finishes-while-down': ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'],
      'fails-while-down': ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED'],
      'exits-after-restart': ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED'],
      'stubborn': ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED'],
      'unacked': ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED'],
      ...(withDocker ? { 'docker-runner': ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED'] } : {}),
    };
    for (const id of ids) expect(updates.states(id), id).toEqual(expected[id]);
    expect(updates.log.filter((u) => ['TASK_LOST', 'TASK_GONE', 'TASK_UNKNOWN', 'TASK_DROPPED'].includes(u.state))).toEqual([]);
    // Each task once at the master, in its final state.
    const final = await masterTasks();
    expect(final.map((t) => t.id).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(final.find((t) => t.id === id)?.state).toBe(expected[id]!.at(-1));
    await waitFor('no container state left', () => (loadContainerStates(posixContainersDir(workDir)).length === 0 ? true : undefined));
  });

  it('after a reboot (another boot id) nothing is adopted and the master reports the task lost', async () => {
    await launchAll(fw, [shellTask('before-reboot', 'exec sleep 300')]);
    await updates.until('running', () => updates.has('before-reboot', 'TASK_RUNNING'));
    await killAgent();
    const [state] = loadContainerStates(posixContainersDir(workDir));
    const cp = state!.checkpoint as PosixCheckpoint;
    fs.writeFileSync(bootIdFile(workDir), 'a-boot-before-this-one\n');
    agent = startAgent();
    await agentReregistered();
    // Not partition-aware: TASK_GONE reaches the framework as TASK_LOST.
    await updates.until('the task reported lost', () => updates.has('before-reboot', 'TASK_LOST'));
    expect(updates.of('before-reboot').at(-1)).toMatchObject({ state: 'TASK_LOST', reason: 'REASON_AGENT_RESTARTED' });
    expect(loadContainerStates(posixContainersDir(workDir))).toEqual([]);
    // A real reboot leaves no process; this simulated one does: cgroups isolation destroyed the
    // leftover cgroup with it, posix isolation left it running, untouched.
    if (isolation.startsWith('cgroups')) await waitFor('the leftover cgroup destroyed', () => (processStartTime(cp.taskPid) === undefined ? true : undefined));
    else {
      expect(processStartTime(cp.shimPid)).toBe(cp.shimStartTime);
      process.kill(-cp.taskPid, 'SIGKILL');
    }
  });
});
