import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startAllInOne, tempDir, waitFor, type Proc } from '../helpers/process.js';
import { V1Scheduler, offersOf as offersOfEvent, updateOf, type Event } from '../helpers/v1-client.js';

// End to end on the built executable: `up --role all`, a v1 framework launches
// tasks, reads their stdout through the agent, and the cluster survives a restart.

interface Offer { id: { value: string }; agent_id: { value: string }; url?: { address: { ip: string; port: number } }; resources: { name: string }[] }

const offersOf = (e: Event): Offer[] => offersOfEvent<Offer>(e);

async function launch(s: V1Scheduler, offer: Offer, taskId: string, cmd: string): Promise<void> {
  const res = await s.call({
    type: 'ACCEPT',
    accept: {
      offer_ids: [offer.id],
      operations: [{ type: 'LAUNCH', launch: { task_infos: [{
        name: taskId, task_id: { value: taskId }, agent_id: offer.agent_id,
        command: { shell: true, value: cmd },
        resources: [
          { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
          { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
        ],
      }] } }],
      filters: { refuse_seconds: 0 },
    },
  });
  expect(res.status).toBe(202);
}

/** Waits for the task's updates up to a terminal state, acknowledging each; returns the states seen. */
async function followTask(s: V1Scheduler, taskId: string, terminal: string): Promise<{ states: string[]; last: ReturnType<typeof updateOf> }> {
  const states: string[] = [];
  for (;;) {
    const e = await s.next((x) => x.type === 'UPDATE' && updateOf(x).task_id.value === taskId);
    const st = updateOf(e);
    states.push(st.state);
    expect(st.uuid, `update ${st.state} carries a uuid`).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    const ack = await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: st.agent_id, task_id: st.task_id, uuid: st.uuid } });
    expect(ack.status).toBe(202);
    if (st.state === terminal) return { states, last: st };
    if (['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_ERROR'].includes(st.state)) throw new Error(`task ${taskId} ended ${st.state}: ${st.message ?? ''}`);
  }
}

describe('single node cluster (built executable)', () => {
  const dataDir = tempDir();
  let cluster: Awaited<ReturnType<typeof startAllInOne>>;
  let proc: Proc;

  beforeAll(async () => {
    cluster = await startAllInOne(dataDir);
    proc = cluster.proc;
  });
  afterAll(() => {
    proc?.kill('SIGKILL');
  });

  let agentId = '';

  it('runs a task end to end and serves its stdout', async () => {
    const s = new V1Scheduler(cluster.master);
    const subscribed = await s.subscribe({ user: 'root', name: 'e2e', capabilities: [{ type: 'PARTITION_AWARE' }] });
    expect(subscribed.type).toBe('SUBSCRIBED');
    expect(s.streamId).toMatch(/^[0-9a-f-]{36}$/);
    expect(s.frameworkId).toMatch(/-0000$/);

    const offers = offersOf(await s.next((e) => e.type === 'OFFERS'));
    const offer = offers[0]!;
    agentId = offer.agent_id.value;
    expect(offer.url?.address.port).toBe(Number(new URL(cluster.agent).port));
    expect(offer.resources.map((r) => r.name)).toEqual(expect.arrayContaining(['cpus', 'mem', 'disk', 'ports']));

    await launch(s, offer, 'hello-1', 'echo hello; exit 0');
    const { states } = await followTask(s, 'hello-1', 'TASK_FINISHED');
    expect(states).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);

    // Find the sandbox through the agent's /state, then read stdout through /files/read.
    const state = (await getJson(`${cluster.agent}/state`)).body as { frameworks: { id: string; completed_executors: { id: string; directory: string }[] }[] };
    const fw = state.frameworks.find((f) => f.id === s.frameworkId)!;
    const executor = fw.completed_executors.find((x) => x.id === 'hello-1')!;
    expect(executor.directory).toContain(`/frameworks/${s.frameworkId}/executors/hello-1/runs/`);
    const read = await getJson(`${cluster.agent}/files/read?path=${encodeURIComponent(executor.directory + '/stdout')}&offset=0&length=100`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ offset: 0, data: 'hello\n' });

    // A failing command ends TASK_FAILED.
    const again = offersOf(await s.next((e) => e.type === 'OFFERS'))[0]!;
    await launch(s, again, 'fail-3', 'exit 3');
    const failed = await followTask(s, 'fail-3', 'TASK_FAILED');
    expect(failed.states).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED']);
    expect(failed.last.message).toContain('3');

    // The master moved both acknowledged terminal tasks to completed.
    const master = (await getJson(`${cluster.master}/master/state`)).body as { frameworks: { id: string; tasks: unknown[]; completed_tasks: { id: string; state: string }[] }[] };
    const mfw = master.frameworks.find((f) => f.id === s.frameworkId)!;
    await waitFor('completed tasks on the master', async () => {
      const m = (await getJson(`${cluster.master}/master/state`)).body as typeof master;
      const f = m.frameworks.find((x) => x.id === s.frameworkId)!;
      return f.completed_tasks.length === 2 ? f : undefined;
    });
    expect(mfw).toBeDefined();

    const teardown = await s.call({ type: 'TEARDOWN' });
    expect(teardown.status).toBe(202);
    s.close();
  });

  it('kills a running task with SIGTERM then reports TASK_KILLED', async () => {
    const s = new V1Scheduler(cluster.master);
    await s.subscribe({ user: 'root', name: 'killer' });
    const offer = offersOf(await s.next((e) => e.type === 'OFFERS'))[0]!;
    await launch(s, offer, 'sleeper', 'sleep 300');
    expect((await followTask(s, 'sleeper', 'TASK_RUNNING')).states).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
    expect((await s.call({ type: 'KILL', kill: { task_id: { value: 'sleeper' } } })).status).toBe(202);
    const killed = await s.next((e) => e.type === 'UPDATE' && updateOf(e).state === 'TASK_KILLED');
    expect(updateOf(killed).task_id.value).toBe('sleeper');
    await s.call({ type: 'TEARDOWN' });
    s.close();
  });

  it('restarts on the same data dir and re-admits the agent', async () => {
    proc.kill('SIGTERM');
    const exit = await proc.exited;
    expect(exit.code, proc.output()).toBe(0);
    const again = await startAllInOne(dataDir);
    proc = again.proc;
    cluster = again;
    const state = (await getJson(`${again.master}/master/state`)).body as { slaves: { id: string; active: boolean }[]; completed_frameworks: unknown[] };
    expect(state.slaves.map((a) => a.id)).toEqual([agentId]);
    expect(state.slaves[0]!.active).toBe(true);
    // Frameworks torn down before the restart stay removed: resubscribing with their id is refused.
    proc.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
  });
});
