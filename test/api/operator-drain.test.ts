import { describe, expect, it } from 'vitest';
import { simCluster, type SimCluster } from '../helpers/sim-cluster.js';
import { isOffers, offersOf, updateOf, type V1Scheduler } from '../helpers/v1-client.js';
import { launchRunning as launchTask } from '../helpers/task-flows.js';
import { operatorCall, operatorGet, type Json } from '../helpers/operator-client.js';

// DRAIN_AGENT, DEACTIVATE_AGENT and REACTIVATE_AGENT (master.proto) against a real master and a
// real posix agent over loopback, on a manual clock: the agent's tasks are killed with their
// kill policy capped by max_grace_period, the agent becomes DRAINED (or is marked gone), and
// the operator's settings survive a master restart (they are in the registry).

const task = (id: string, agentId: string, command: string): Json => ({
  name: id, task_id: { value: id }, agent_id: { value: agentId }, command: { value: command },
  kill_policy: { grace_period: { nanoseconds: 3600e9 } },
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 } }],
});

const launchRunning = (c: SimCluster, s: V1Scheduler, id: string, command = 'sleep 300'): Promise<string> => launchTask(c, s, id, (agentId) => task(id, agentId, command));

const agentsOf = async (c: SimCluster): Promise<Json[]> => ((await operatorGet(c.master, 'GET_AGENTS'))['get_agents'] as { agents?: Json[] }).agents ?? [];
const call = (c: SimCluster, body: Json): Promise<{ status: number; text: string }> => operatorCall(c.master, body);
const drain = (agentId: string, extra: Json = {}): Json => ({ type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: agentId }, ...extra } });
const reactivate = (agentId: string): Json => ({ type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: agentId } } });

/** Waits until `pred` holds: settling the event loop, and moving the clock `stepMs` a turn (0: time stands still). */
async function until(c: SimCluster, what: string, pred: () => Promise<boolean>, stepMs = 0): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await pred()) return;
    await c.settle();
    if (stepMs > 0) await c.advance(stepMs);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('DRAIN_AGENT', () => {
  it('kills the tasks with the grace period capped, then DRAINED; REACTIVATE is refused until then, and brings offers back after', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'drained', capabilities: [{ type: 'TASK_KILLING_STATE' }] });
    // The task ignores SIGTERM and its own grace period is an hour: it ends only because the drain
    // caps that at 2 s (the agent's escalation to SIGKILL runs on real time).
    const agentId = await launchRunning(c, s, 'stubborn', 'trap "" TERM; while :; do sleep 0.1; done');
    expect((await call(c, drain(agentId, { max_grace_period: '2s' }))).status).toBe(200);

    const a = (await agentsOf(c))[0]!;
    expect([a['deactivated'], a['drain_info']]).toEqual([true, { state: 'DRAINING', config: { max_grace_period: { nanoseconds: 2e9 }, mark_gone: false } }]);
    expect(a['estimated_drain_start_time']).toEqual({ nanoseconds: c.clock.now() * 1e6 });
    const ack = async (u: ReturnType<typeof updateOf>): Promise<void> => {
      await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agentId }, task_id: u.task_id, uuid: u.uuid } });
    };
    const killing = updateOf(await s.next((e) => e.type === 'UPDATE' && updateOf(e).state === 'TASK_KILLING'));
    expect(killing.task_id.value).toBe('stubborn');
    await ack(killing);
    const refused = await call(c, reactivate(agentId));
    expect([refused.status, refused.text]).toEqual([400, expect.stringContaining('still in the DRAINING state')]);

    const killed = updateOf(await s.next((e) => e.type === 'UPDATE' && updateOf(e).state === 'TASK_KILLED', 30_000));
    await ack(killed);
    await until(c, 'DRAINED', async () => ((await agentsOf(c))[0]!['drain_info'] as { state: string }).state === 'DRAINED');
    const legacy = (await (await c.fetch('/master/state')).json()) as { slaves: { drain_info?: { state: string } }[] };
    expect(legacy.slaves[0]!.drain_info?.state).toBe('DRAINED');

    // No offers while drained; REACTIVATE clears the drain and offers come again.
    await c.advance(5_000);
    await s.barrier();
    expect(s.takeAll(isOffers)).toEqual([]);
    expect((await call(c, reactivate(agentId))).status).toBe(200);
    await c.advance(1_000);
    expect(offersOf(await s.next(isOffers))[0]!.agent_id.value).toBe(agentId);
    const after = (await agentsOf(c))[0]!;
    expect([after['deactivated'], after['drain_info']]).toEqual([false, undefined]);
  });

  it('mark_gone: the tasks end TASK_GONE_BY_OPERATOR, then the agent is removed (GET_AGENTS no longer lists it)', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'gone', capabilities: [{ type: 'PARTITION_AWARE' }] });
    const agentId = await launchRunning(c, s, 'sleeper');
    expect((await call(c, drain(agentId, { mark_gone: true }))).status).toBe(200);
    const gone = updateOf(await s.next((e) => e.type === 'UPDATE' && updateOf(e).task_id.value === 'sleeper' && updateOf(e).state !== 'TASK_KILLING'));
    expect(gone.state).toBe('TASK_GONE_BY_OPERATOR');
    await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agentId }, task_id: gone.task_id, uuid: gone.uuid } });
    await until(c, 'the agent to be gone', async () => (await agentsOf(c)).length === 0);
    // The framework hears the agent is lost (Mesos LostSlaveMessage: a FAILURE event naming it).
    expect((await s.next((e) => e.type === 'FAILURE'))['failure']).toEqual({ agent_id: { value: agentId } });
  });

  it('an agent without tasks is DRAINED at once', async () => {
    const c = await simCluster();
    const agentId = await c.agentId();
    expect((await call(c, drain(agentId))).status).toBe(200);
    await until(c, 'DRAINED', async () => ((await agentsOf(c))[0]!['drain_info'] as { state: string } | undefined)?.state === 'DRAINED');
    expect(((await agentsOf(c))[0]!['drain_info'] as { config: Json }).config).toEqual({ mark_gone: false });
  });

  it('deactivation and drains are kept in the registry: a restarted master still offers nothing from the agent', async () => {
    const c = await simCluster();
    const agentId = await c.agentId();
    expect((await call(c, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: agentId } } })).status).toBe(200);
    await c.stopMaster();
    await c.startMaster();
    await until(c, 'the agent to reregister', async () => (await agentsOf(c)).some((a) => a['active'] === true), 1_000);
    expect((await agentsOf(c))[0]!['deactivated']).toBe(true);
    const s = await c.scheduler({ name: 'after-restart' });
    await c.advance(2_000);
    await s.barrier();
    expect(s.takeAll(isOffers)).toEqual([]);
    expect((await call(c, reactivate(agentId))).status).toBe(200);
    await c.advance(1_000);
    expect(offersOf(await s.next(isOffers))[0]!.agent_id.value).toBe(agentId);
  });

  it('refuses unknown agents, malformed durations and reactivating an active agent with a 400', async () => {
    const c = await simCluster();
    const agentId = await c.agentId();
    for (const [body, message] of [
      [drain('no-such-agent'), /Unknown agent/],
      [drain(agentId, { max_grace_period: '-1s' }), /expected a duration/],
      [drain(agentId, { max_grace_period: '1h' }), /expected a duration/],
      [drain(agentId, { max_grace_period: 5 }), /max_grace_period/],
      [drain(agentId, { mark_gone: 'yes' }), /mark_gone/],
      [reactivate(agentId), /Agent is not deactivated/],
      [{ type: 'DRAIN_AGENT' }, /drain_agent/],
    ] as const) {
      const r = await call(c, body);
      expect([r.status, r.text], JSON.stringify(body)).toEqual([400, expect.stringMatching(message)]);
    }
    expect((await agentsOf(c))[0]!['deactivated']).toBe(false);
  });
});
