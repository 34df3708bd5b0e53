// Agent recovery on the built executable: kill -9 the agent (master in its own process), start it
// again on the same data dir: a checkpointing framework's DOCKER task keeps running and is
// reported, followed and killable; a non-checkpointing framework's container is killed; a posix
// task of the checkpointing framework is adopted too (posix-recovery.test.ts and
// agent-restart.test.ts cover posix adoption in depth).
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, getJson, tempDir, tsmesos, waitFor, waitForActiveAgent, type Proc } from '../helpers/process.js';
import { offersOf, updateOf, V1Scheduler } from '../helpers/v1-client.js';
import { requireDocker } from '../containerizer/docker-helpers.js';
import { dockerTask, followTask, launchTask } from './task-flow.js';

describe('agent recovery: kill -9 the agent, tasks of checkpointing frameworks survive', () => {
  const dataDir = tempDir();
  const agentWorkDir = path.join(dataDir, 'a', 'agent');
  let docker: Docker;
  let master: Proc;
  let agent: Proc;
  let masterUrl = '';
  let agentUrl = '';
  let masterPort = 0;
  let agentPort = 0;

  const startAgent = (): Proc =>
    tsmesos(['up', '--role', 'agent', '--data-dir', path.join(dataDir, 'a'), '--port', String(agentPort), '--master', `127.0.0.1:${masterPort}`, '--containerizers', 'posix,docker']);
  const containers = async (): Promise<Docker.ContainerInfo[]> => docker.listContainers({ all: true, filters: { label: [`tsmesos.agent=${agentWorkDir}`] } });
  const stdoutOf = async (taskId: string): Promise<string> => {
    const state = (await getJson(`${agentUrl}/state`)).body as { frameworks: { executors: { id: string; directory: string }[] }[] };
    const ex = state.frameworks.flatMap((f) => f.executors).find((e) => e.id === taskId);
    if (!ex) return '';
    const r = await getJson(`${agentUrl}/files/read?path=${encodeURIComponent(`${ex.directory}/stdout`)}&offset=0&length=100000`);
    return (r.body as { data?: string }).data ?? '';
  };

  beforeAll(async () => {
    docker = await requireDocker();
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

  it('takes the container back, keeps reporting and following it, and kills it on request', async () => {
    const keeper = new V1Scheduler(masterUrl);
    await keeper.subscribe({ user: 'root', name: 'checkpointing', checkpoint: true, failover_timeout: 600 });
    const careless = new V1Scheduler(masterUrl);
    await careless.subscribe({ user: 'root', name: 'not-checkpointing' });

    await launchTask(keeper, offersOf(await keeper.next((e) => e.type === 'OFFERS'))[0]!, dockerTask('survivor', 'i=0; while :; do echo "tick $i"; i=$((i+1)); sleep 0.1; done'));
    expect((await followTask(keeper, 'survivor', 'TASK_RUNNING')).at(-1)?.state).toBe('TASK_RUNNING');
    await launchTask(careless, offersOf(await careless.next((e) => e.type === 'OFFERS'))[0]!, dockerTask('casualty', 'exec sleep 300'));
    expect((await followTask(careless, 'casualty', 'TASK_RUNNING')).at(-1)?.state).toBe('TASK_RUNNING');
    // A posix task of the checkpointing framework: adopted like the container.
    await launchTask(keeper, offersOf(await keeper.next((e) => e.type === 'OFFERS'))[0]!, { ...dockerTask('host-task', 'exec sleep 300'), container: undefined });
    expect((await followTask(keeper, 'host-task', 'TASK_RUNNING')).at(-1)?.state).toBe('TASK_RUNNING');
    expect(await containers()).toHaveLength(2);
    await waitFor('output before the crash', async () => ((await stdoutOf('survivor')).includes('tick 3') ? true : undefined));

    agent.kill('SIGKILL');
    await agent.exited;
    // The non-checkpointing framework hears at once that its task is lost (Mesos: the agent's socket broke).
    expect(updateOf(await careless.next((e) => e.type === 'UPDATE')).state).toBe('TASK_LOST');
    const linesAtCrash = (await stdoutOf('survivor').catch(() => '')).length;
    expect(await containers()).toHaveLength(2); // docker containers outlive the agent

    agent = startAgent();
    await waitFor('the agent back with the task', async () => {
      const s = (await getJson(`${masterUrl}/master/state`)).body as { slaves: { active: boolean }[]; frameworks: { name: string; tasks: { id: string; state: string }[] }[] };
      const task = s.frameworks.find((f) => f.name === 'checkpointing')?.tasks.find((t) => t.id === 'survivor');
      return s.slaves.some((a) => a.active) && task?.state === 'TASK_RUNNING' ? true : undefined;
    }, 30_000);
    const hostTaskState = async (): Promise<string | undefined> => {
      const st = (await getJson(`${masterUrl}/master/state`)).body as { frameworks: { name: string; tasks: { id: string; state: string }[] }[] };
      return st.frameworks.find((f) => f.name === 'checkpointing')?.tasks.find((t) => t.id === 'host-task')?.state;
    };
    expect(await hostTaskState()).toBe('TASK_RUNNING');
    await waitFor('the container of the non-checkpointing framework killed', async () => ((await containers()).length === 1 ? true : undefined));
    // Output keeps arriving in the same sandbox file, after what the first run wrote.
    const before = await stdoutOf('survivor');
    expect(before.length).toBeGreaterThanOrEqual(linesAtCrash);
    await waitFor('new output after the restart', async () => ((await stdoutOf('survivor')).length > before.length + 20 ? true : undefined));
    expect(keeper.events.filter((e) => e.type === 'UPDATE' && updateOf(e).task_id.value === 'survivor')).toEqual([]);
    // Lines the engine kept while the agent was down are appended too, none twice (a line written in
    // the last 10 ms before the crash may be missed: file times are that coarse).
    const ticks = (await stdoutOf('survivor')).trim().split('\n').map((l) => Number(/^tick (\d+)$/.exec(l)?.[1] ?? NaN));
    const steps = ticks.slice(1).map((t, i) => t - ticks[i]!);
    expect(ticks[0]).toBe(0);
    expect(steps.every((d) => d === 1 || d === 2), `ticks ${ticks.join(',')}`).toBe(true);
    expect(steps.filter((d) => d === 2).length).toBeLessThanOrEqual(1);

    expect((await keeper.call({ type: 'KILL', kill: { task_id: { value: 'survivor' } } })).status).toBe(202);
    expect((await followTask(keeper, 'survivor', 'TASK_KILLED')).at(-1)?.state).toBe('TASK_KILLED');
    await waitFor('no container left', async () => ((await containers()).length === 0 ? true : undefined));
    expect(keeper.events.filter((e) => e.type === 'UPDATE' && updateOf(e).task_id.value === 'host-task')).toEqual([]);
    expect((await keeper.call({ type: 'KILL', kill: { task_id: { value: 'host-task' } } })).status).toBe(202);
    expect((await followTask(keeper, 'host-task', 'TASK_KILLED')).at(-1)?.state).toBe('TASK_KILLED');
    await keeper.call({ type: 'TEARDOWN' });
    await careless.call({ type: 'TEARDOWN' });
    keeper.close();
    careless.close();
  });
});
