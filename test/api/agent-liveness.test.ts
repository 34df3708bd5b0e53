import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { simCluster, type SimCluster } from '../helpers/sim-cluster.js';
import { launchRunning } from '../helpers/task-flows.js';
import { updateOf, type Event } from '../helpers/v1-client.js';

// The master drops an agent whose connection stays open but which stops heartbeating
// (a partition the TCP stack has not noticed), and marks it unreachable (Mesos: the ping
// timeouts mark the agent unreachable), while a heartbeating agent stays active.
// Real master and agent over loopback HTTP, on a manual clock: time moves only by advance()
// (and by freeze(): time passing while the master's process is frozen).

/** A hand-made agent: subscribes over the real agent channel, then never calls in again. */
function silentAgent(master: string, hostname: string): { closed(): boolean; destroy(): void } {
  let closed = false;
  const req = http.request(new URL('/tsmesos/v1/agent', master), { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
    expect(res.statusCode).toBe(200);
    res.resume();
    res.on('close', () => (closed = true));
  });
  req.on('error', () => undefined); // destroyed at the end
  req.end(JSON.stringify({ type: 'SUBSCRIBE', subscribe: { agent_info: { hostname, port: 1, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] }, ip: '127.0.0.1' } }));
  return { closed: () => closed, destroy: () => req.destroy() };
}

/** Where the master has the agent: active or inactive among its agents, or unreachable (left out of them, counted). */
async function standing(c: SimCluster, id: string): Promise<'active' | 'inactive' | 'unreachable' | 'unknown'> {
  const s = await c.state();
  const a = s.slaves.find((x) => x.id === id);
  if (a) return a.active ? 'active' : 'inactive';
  return s.unreachable_slaves > 0 ? 'unreachable' : 'unknown';
}

describe('agent liveness', () => {
  it('closes the stream of a silent agent after --agent-ping-timeout x --max-agent-ping-timeouts (75 s, as Mesos), not before', async () => {
    const c = await simCluster();
    const realAgent = await c.agentId();
    const agent = silentAgent(c.master, 'silent-agent');
    try {
      const silent = await c.untilSettled('the silent agent registered', async () => (await c.state()).slaves.find((a) => a.hostname === 'silent-agent' && a.active));
      expect(c.clock.monotonic()).toBe(0);
      const active = async (id: string): Promise<boolean> => (await standing(c, id)) === 'active';

      // The master checks every heartbeat interval (5 s = 15 s / 3); 75 s of silence are tolerated.
      await c.advance(75_000);
      expect(await active(silent.id)).toBe(true);
      expect(agent.closed()).toBe(false);

      // The check after that closes the stream and marks the agent unreachable.
      await c.advance(5_000);
      await c.untilSettled('the silent agent unreachable', async () => ((await standing(c, silent.id)) === 'unreachable' ? true : undefined));
      expect((await c.state()).unreachable_slaves).toBe(1);
      await c.untilSettled('the stream to close', () => (agent.closed() ? true : undefined));

      // The real agent heartbeats (every 5 s, over HTTP, on the same clock) and stays active for as long as time runs.
      await c.advance(300_000);
      expect(await active(realAgent)).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('takes the limit from the flags: 2 x 3 s', async () => {
    const c = await simCluster({ flags: { agentPingTimeout: '3secs', maxAgentPingTimeouts: '2' } });
    const agent = silentAgent(c.master, 'silent-agent');
    try {
      const silent = await c.untilSettled('the silent agent registered', async () => (await c.state()).slaves.find((a) => a.hostname === 'silent-agent' && a.active));
      const active = async (): Promise<boolean> => (await standing(c, silent.id)) === 'active';
      await c.advance(6_000); // checked every 1 s
      expect(await active()).toBe(true);
      await c.advance(1_000);
      expect(await active()).toBe(false);
    } finally {
      agent.destroy();
    }
  });

  it('does not count time the master itself was frozen against its agents (better than Mesos)', async () => {
    const c = await simCluster();
    const agent = silentAgent(c.master, 'silent-agent');
    try {
      const silent = await c.untilSettled('the silent agent registered', async () => (await c.state()).slaves.find((a) => a.hostname === 'silent-agent' && a.active));
      const active = async (): Promise<boolean> => (await standing(c, silent.id)) === 'active';
      await c.advance(30_000);
      // 100 s pass while the master's process does nothing (its heartbeat-interval checks fall due and run late):
      // the agent was silent for 130 s of wall time, but the master listened for only 35 s of it (30 s, and the
      // 5 s until its next check fell due).
      c.clock.freeze(100_000);
      await c.advance(0);
      expect(await active()).toBe(true);
      await c.advance(40_000); // 75 s of listening: still tolerated
      expect(await active()).toBe(true);
      await c.advance(5_000);
      expect(await active()).toBe(false);
      await c.untilSettled('the stream to close', () => (agent.closed() ? true : undefined));
    } finally {
      agent.destroy();
    }
  });

  it('an agent gone silent with tasks: TASK_UNREACHABLE to PARTITION_AWARE frameworks, TASK_LOST to others; back under its id, reachable again', async () => {
    const c = await simCluster({ resources: 'cpus:1;mem:256;disk:100', flags: { agentPingTimeout: '3secs', maxAgentPingTimeouts: '2' } });
    const agentId = await c.agentId();
    const aware = await c.scheduler({ user: 'u', name: 'aware', checkpoint: true, capabilities: [{ type: 'PARTITION_AWARE' }] });
    await launchRunning(c, aware, 'aware-task');
    const plain = await c.scheduler({ user: 'u', name: 'plain', checkpoint: true });
    await launchRunning(c, plain, 'plain-task');
    const updates = (s: typeof aware, id: string): ReturnType<typeof updateOf>[] => s.takeAll((e: Event) => e.type === 'UPDATE' && updateOf(e).task_id.value === id).map(updateOf);
    await aware.barrier();
    await plain.barrier();
    updates(aware, 'aware-task');
    updates(plain, 'plain-task');

    // The agent process stops (its tasks keep running): silence from its last heartbeat on.
    await c.stopAgent();
    await c.advance(5_000);
    expect(await standing(c, agentId)).toBe('inactive'); // disconnected, 6 s of silence not reached yet
    await aware.barrier();
    expect(updates(aware, 'aware-task')).toEqual([]);
    await c.advance(2_000);
    await c.untilSettled('the agent unreachable', async () => ((await standing(c, agentId)) === 'unreachable' ? true : undefined));
    await aware.barrier();
    await plain.barrier();
    for (const s of [aware, plain]) expect(s.takeAll((e) => e.type === 'FAILURE').map((e) => e['failure'])).toEqual([{ agent_id: { value: agentId } }]);
    const [u] = updates(aware, 'aware-task') as (ReturnType<typeof updateOf> & { unreachable_time?: { nanoseconds: number } })[];
    expect([u?.state, u?.reason, u?.source]).toEqual(['TASK_UNREACHABLE', 'REASON_AGENT_REMOVED', 'SOURCE_MASTER']);
    expect(u?.unreachable_time?.nanoseconds).toBeGreaterThan(0);
    expect(updates(plain, 'plain-task').map((x) => [x.state, x.reason])).toEqual([['TASK_LOST', 'REASON_AGENT_REMOVED']]);
    // Reconciliation says the same, and the operator API lists the task among the unreachable ones.
    await aware.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'aware-task' }, agent_id: { value: agentId } }] } });
    expect(updateOf(await aware.next((e) => e.type === 'UPDATE' && updateOf(e).task_id.value === 'aware-task')).state).toBe('TASK_UNREACHABLE');
    const tasks = (await (await c.fetch('/api/v1', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'GET_TASKS' }) })).json()) as { get_tasks: { unreachable_tasks?: { task_id: { value: string } }[] } };
    expect((tasks.get_tasks.unreachable_tasks ?? []).map((t) => t.task_id.value).sort()).toEqual(['aware-task', 'plain-task']);

    // It comes back under its id. Stopping this in-process agent killed its tasks (the agent of the
    // e2e test in test/services/unreachable.test.ts is frozen instead, and its tasks come back):
    // each framework hears its task's end from the agent, and nothing is left unreachable.
    await c.startAgent();
    expect(await standing(c, agentId)).toBe('active');
    expect((await c.state()).unreachable_slaves).toBe(0);
    for (const [s, id] of [[aware, 'aware-task'], [plain, 'plain-task']] as const) {
      const end = updateOf(await s.next((e) => e.type === 'UPDATE' && updateOf(e).task_id.value === id));
      expect([id, end.state, end.source]).toEqual([id, 'TASK_KILLED', 'SOURCE_EXECUTOR']);
      if (end.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agentId }, task_id: { value: id }, uuid: end.uuid } });
    }
    await c.untilSettled('no task left', async () => ((await c.state()).frameworks.every((f) => f.tasks.length === 0) ? true : undefined));
    const after = (await (await c.fetch('/api/v1', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'GET_TASKS' }) })).json()) as { get_tasks: { unreachable_tasks?: unknown[] } };
    expect(after.get_tasks.unreachable_tasks ?? []).toEqual([]);
  });
});
