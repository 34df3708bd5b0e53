import { describe, expect, it } from 'vitest';
import { FakeContainerizer } from '../helpers/fake-containerizer.js';
import { simCluster } from '../helpers/sim-cluster.js';
import { isOffers, offersOf, updateOf, type Event, type V1Scheduler } from '../helpers/v1-client.js';

// The agent's timers against the real master, on a manual clock: status update retries
// (Mesos: 10 s, doubling) and reconnection to a restarted master (randomized backoff).

const isUpdateFor = (id: string) => (e: Event): boolean => e.type === 'UPDATE' && updateOf(e).task_id.value === id;

async function launch(s: V1Scheduler, taskId: string): Promise<string> {
  const offer = offersOf((await s.next(isOffers)))[0]!;
  const agentId = offer.agent_id.value;
  const r = await s.call({
    type: 'ACCEPT', accept: {
      offer_ids: [offer.id], filters: { refuse_seconds: 0 },
      operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: taskId, task_id: { value: taskId }, agent_id: { value: agentId }, command: { value: 'true' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }] }] } }],
    },
  });
  expect(r.status).toBe(202);
  return agentId;
}

describe('agent timing on the manual clock', () => {
  it('resends an unacknowledged status update after 10 s, then 20 s; the ACKNOWLEDGE releases the next one at once', async () => {
    const containerizer = new FakeContainerizer();
    const c = await simCluster({ containerizer });
    const s = await c.scheduler({ name: 'acks' });
    const agentId = await launch(s, 't1');
    const starting = updateOf(await s.next(isUpdateFor('t1')));
    expect(starting.state).toBe('TASK_STARTING');
    const t0 = c.clock.monotonic();

    // TASK_RUNNING waits behind the unacknowledged TASK_STARTING (one update in flight per task).
    for (const at of [10_000, 30_000]) {
      await c.advanceTo(t0 + at - 1);
      await s.barrier();
      expect(s.takeAll(isUpdateFor('t1'))).toEqual([]);
      await c.advance(1);
      const again = updateOf(await s.next(isUpdateFor('t1')));
      expect([again.state, again.uuid]).toEqual(['TASK_STARTING', starting.uuid]);
    }

    const ack = (uuid: string | undefined): Promise<unknown> => s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agentId }, task_id: { value: 't1' }, uuid } });
    const t1 = c.clock.monotonic();
    await ack(starting.uuid);
    const running = updateOf(await s.next(isUpdateFor('t1')));
    expect(running.state).toBe('TASK_RUNNING');
    await ack(running.uuid);
    containerizer.exit('t1', 0);
    const finished = updateOf(await s.next(isUpdateFor('t1')));
    expect(finished.state).toBe('TASK_FINISHED');
    await ack(finished.uuid);
    expect(c.clock.monotonic()).toBe(t1); // acknowledged updates need no time

    // Acknowledged: no more retries, however long we wait.
    await c.advance(600_000);
    await s.barrier();
    expect(s.takeAll(isUpdateFor('t1'))).toEqual([]);
  });

  it('reconnects to a restarted master with backoff and reregisters under its id', async () => {
    const c = await simCluster();
    const agentId = await c.agentId();
    await c.stopMaster();
    await c.startMaster();
    // Recovered from the registry until the agent's retry timer (randomized backoff) fires.
    expect((await c.state()).recovered_slaves.map((a) => a.id)).toEqual([agentId]);
    const start = c.clock.monotonic();
    await c.until('the agent to reregister', async () => ((await c.state()).slaves.find((a) => a.id === agentId)?.active === true ? true : undefined), { stepMs: 50, maxMs: 10_000 });
    expect(c.clock.monotonic() - start).toBeLessThanOrEqual(5_000); // first retries back off from 200 ms, capped at 5 s
    expect((await c.state()).recovered_slaves).toEqual([]);
  });
});
