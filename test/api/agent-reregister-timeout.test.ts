import { describe, expect, it } from 'vitest';
import { simCluster } from '../helpers/sim-cluster.js';
import { updateOf, type Event } from '../helpers/v1-client.js';

// After a master (re)start, agents known to the registry are `recovered`; those that do not
// reregister within --agent-reregister-timeout (Mesos default 10 mins) are marked unreachable
// in the registry, and come back (reachable again) when they do reregister. Real SQLite, real
// HTTP, in process, on a manual clock: the 10 minutes pass by advance().

const REREGISTER_TIMEOUT_MS = 600_000;
const isUpdateFor = (id: string) => (e: Event): boolean => e.type === 'UPDATE' && updateOf(e).task_id.value === id;

describe('agent reregistration timeout', () => {
  it('marks a straggler unreachable exactly at the timeout, answers reconciliation with TASK_UNREACHABLE, and readmits it', async () => {
    const c = await simCluster({ resources: 'cpus:1;mem:256;disk:100' });
    const agentId = await c.agentId();
    await c.stopAgent();
    await c.stopMaster();

    // The master comes back alone (same data dir): the agent is recovered.
    await c.startMaster();
    const t0 = c.clock.monotonic();
    expect((await c.state()).recovered_slaves.map((a) => a.id)).toEqual([agentId]);
    const fw = c.client();
    await fw.subscribe({ user: 'u', name: 'rec', capabilities: [{ type: 'PARTITION_AWARE' }] });
    const reconcileLost = (): Promise<unknown> => fw.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'lost-task' }, agent_id: { value: agentId } }] } });

    // Until the timeout the agent stays recovered and reconciliation of its tasks stays silent (Mesos).
    await c.advanceTo(t0 + REREGISTER_TIMEOUT_MS - 1);
    const before = await c.state();
    expect([before.recovered_slaves.length, before.unreachable_slaves]).toEqual([1, 0]);
    await reconcileLost();
    await fw.barrier();
    expect(fw.takeAll(isUpdateFor('lost-task'))).toEqual([]);
    expect(fw.takeAll((e) => e.type === 'FAILURE')).toEqual([]);

    // At the timeout it is marked unreachable (in the registry first).
    await c.advance(1);
    const after = await c.state();
    expect([after.recovered_slaves.length, after.unreachable_slaves]).toEqual([0, 1]);
    // Connected frameworks hear it is lost (a FAILURE event naming the agent).
    await fw.barrier();
    expect(fw.takeAll((e) => e.type === 'FAILURE').map((e) => e['failure'])).toEqual([{ agent_id: { value: agentId } }]);
    await reconcileLost();
    const st = updateOf(await fw.next(isUpdateFor('lost-task'))) as ReturnType<typeof updateOf> & { unreachable_time?: { nanoseconds: number } };
    expect(st.state).toBe('TASK_UNREACHABLE');
    expect(Math.round((st.unreachable_time?.nanoseconds ?? 0) / 1e6)).toBe(c.clock.now()); // marked at the timeout instant

    // The agent returns under its id: reachable again, active.
    await c.startAgent();
    const back = await c.state();
    expect(back.unreachable_slaves).toBe(0);
    expect(back.slaves.find((a) => a.id === agentId)?.active).toBe(true);
  });
});
