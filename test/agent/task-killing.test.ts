import { describe, expect, it } from 'vitest';
import { simCluster, type SimCluster } from '../helpers/sim-cluster.js';
import { isOffers, offersOf, updateOf, type V1Scheduler } from '../helpers/v1-client.js';

// TASK_KILLING_STATE (Mesos command executor semantics): a framework with the capability hears
// TASK_KILLING when a kill begins, then TASK_KILLED; one without it hears only TASK_KILLED.

async function killAndWatch(c: SimCluster, s: V1Scheduler): Promise<string[]> {
  const offer = offersOf(await s.next(isOffers))[0]!;
  await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [{
    name: 'k', task_id: { value: 'k' }, agent_id: offer.agent_id, command: { value: 'exec sleep 30' },
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 } }],
  }] } }] } });
  const states: string[] = [];
  let killed = false;
  for (;;) {
    const u = updateOf(await s.next((e) => e.type === 'UPDATE', 20_000));
    states.push(u.state);
    if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
    if (u.state === 'TASK_RUNNING' && !killed) {
      killed = true;
      await s.call({ type: 'KILL', kill: { task_id: { value: 'k' } } });
    }
    if (u.state === 'TASK_KILLED') return states;
    await c.settle();
  }
}

describe('TASK_KILLING_STATE', () => {
  it('a capable framework hears TASK_KILLING before TASK_KILLED', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'polite', capabilities: [{ type: 'TASK_KILLING_STATE' }] });
    expect(await killAndWatch(c, s)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
  });

  it('a framework without the capability hears only TASK_KILLED', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'plain' });
    expect(await killAndWatch(c, s)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
  });
});
