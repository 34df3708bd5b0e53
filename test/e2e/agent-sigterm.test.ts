// An agent stopped with SIGTERM (what systemd's stop, restart and package upgrade send; the agent
// unit has KillMode=process) leaves the tasks of checkpointing frameworks running, as Mesos's agent
// does, and its next start recovers them: same process, still RUNNING on the master, no update in
// between. A non-checkpointing framework's task is killed. Ctrl-C (SIGINT) stops everything.
// Real master and agent processes (the built binary), posix tasks.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, getJson, pidAlive as alive, tempDir, tsmesos, waitFor, waitForActiveAgent, type Proc } from '../helpers/process.js';
import { offersOf, updateOf, V1Scheduler } from '../helpers/v1-client.js';
import { followTask, launchTask } from './task-flow.js';

/** A posix task that writes its pid to `pid` in its sandbox, then sleeps. */
const sleeper = (id: string): Record<string, unknown> => ({
  name: id, task_id: { value: id }, command: { shell: true, value: 'echo $$ > pid; exec sleep 300' },
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
});

describe('agent SIGTERM: tasks of checkpointing frameworks keep running and are recovered', () => {
  const dataDir = tempDir();
  let master: Proc;
  let agent: Proc;
  let masterUrl = '';
  let agentUrl = '';
  let masterPort = 0;
  let agentPort = 0;

  const startAgent = (): Proc => tsmesos(['up', '--role', 'agent', '--data-dir', path.join(dataDir, 'a'), '--port', String(agentPort), '--master', `127.0.0.1:${masterPort}`]);
  const pidOf = async (taskId: string): Promise<number> => waitFor(`the pid of ${taskId}`, async () => {
    const state = (await getJson(`${agentUrl}/state`)).body as { frameworks?: { executors: { id: string; directory: string }[] }[] };
    const dir = state.frameworks?.flatMap((f) => f.executors).find((e) => e.id === taskId)?.directory;
    const text = dir !== undefined && fs.existsSync(path.join(dir, 'pid')) ? fs.readFileSync(path.join(dir, 'pid'), 'utf8').trim() : '';
    return /^\d+$/.test(text) ? Number(text) : undefined;
  }, 20_000);
  const masterTaskState = async (framework: string, taskId: string): Promise<string | undefined> => {
    const s = (await getJson(`${masterUrl}/master/state`)).body as { frameworks: { name: string; tasks: { id: string; state: string }[] }[] };
    return s.frameworks.find((f) => f.name === framework)?.tasks.find((t) => t.id === taskId)?.state;
  };

  beforeAll(async () => {
    masterPort = await freePort();
    agentPort = await freePort();
    masterUrl = `http://127.0.0.1:${masterPort}`;
    agentUrl = `http://127.0.0.1:${agentPort}`;
    master = tsmesos(['up', '--role', 'master', '--data-dir', path.join(dataDir, 'm'), '--port', String(masterPort), '--agent-tls', 'optional']);
    agent = startAgent();
    await waitForActiveAgent(masterUrl, 30_000);
  });
  afterAll(async () => {
    agent?.kill('SIGKILL');
    master?.kill('SIGKILL');
    await Promise.all([agent?.exited, master?.exited]);
  });

  it('SIGTERM keeps the checkpointing framework\'s task (same process, recovered, RUNNING) and kills the other; SIGINT kills all', async () => {
    const keeper = new V1Scheduler(masterUrl);
    await keeper.subscribe({ user: 'root', name: 'checkpointing', checkpoint: true, failover_timeout: 600 });
    const careless = new V1Scheduler(masterUrl);
    await careless.subscribe({ user: 'root', name: 'not-checkpointing' });
    await launchTask(keeper, offersOf(await keeper.next((e) => e.type === 'OFFERS'))[0]!, sleeper('kept'));
    expect((await followTask(keeper, 'kept', 'TASK_RUNNING')).at(-1)?.state).toBe('TASK_RUNNING');
    await launchTask(careless, offersOf(await careless.next((e) => e.type === 'OFFERS'))[0]!, sleeper('dropped'));
    expect((await followTask(careless, 'dropped', 'TASK_RUNNING')).at(-1)?.state).toBe('TASK_RUNNING');
    const keptPid = await pidOf('kept');
    const droppedPid = await pidOf('dropped');

    agent.kill('SIGTERM');
    const exit = await agent.exited;
    expect(exit.code, agent.output()).toBe(0);
    expect(agent.output()).toMatch(/tasks left running for the next start to recover \{"tasks":1\}/);
    expect(alive(keptPid)).toBe(true);
    await waitFor('the non-checkpointing task killed', () => (alive(droppedPid) ? undefined : true), 10_000);

    agent = startAgent();
    await waitFor('the agent back with its task', async () => {
      const s = (await getJson(`${masterUrl}/master/state`)).body as { slaves: { active: boolean }[] };
      return s.slaves.some((a) => a.active) && (await masterTaskState('checkpointing', 'kept')) === 'TASK_RUNNING' ? true : undefined;
    }, 30_000);
    expect(await pidOf('kept')).toBe(keptPid);
    expect(alive(keptPid)).toBe(true);
    // Nothing happened to it, as far as its framework is told.
    await keeper.barrier();
    expect(keeper.events.filter((e) => e.type === 'UPDATE' && updateOf(e).task_id.value === 'kept')).toEqual([]);

    agent.kill('SIGINT');
    expect((await agent.exited).code, agent.output()).toBe(0);
    await waitFor('the task killed by the Ctrl-C stop', () => (alive(keptPid) ? undefined : true), 10_000);

    await keeper.call({ type: 'TEARDOWN' });
    await careless.call({ type: 'TEARDOWN' });
    keeper.close();
    careless.close();
  }, 120_000);
});
