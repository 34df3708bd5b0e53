import { expect } from 'vitest';
import type { SimCluster } from './sim-cluster.js';
import { isOffers, offersOf, updateOf, type Event, type V1Scheduler } from './v1-client.js';
import type { Json } from './operator-client.js';

// Task flows several API tests share: a small command task and launching it to RUNNING.

/** A command task of 0.1 CPU and 16 MB. */
export const commandTask = (id: string, agentId: string, command = 'sleep 300', extra: Json = {}): Json => ({
  name: id, task_id: { value: id }, agent_id: { value: agentId }, command: { value: command },
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 } }],
  ...extra,
});

/** Takes the next offer, launches `task(agentId)` on it and acknowledges its updates until it runs; returns the agent id. */
export async function launchRunning(c: SimCluster, s: V1Scheduler, id: string, task: (agentId: string) => Json = (a) => commandTask(id, a)): Promise<string> {
  const offer = offersOf(await s.next(isOffers))[0]!;
  const agentId = offer.agent_id.value;
  expect((await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task(agentId)] } }] } })).status).toBe(202);
  for (;;) {
    const u = updateOf(await s.next((e: Event) => e.type === 'UPDATE' && updateOf(e).task_id.value === id));
    if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agentId }, task_id: { value: id }, uuid: u.uuid } });
    if (u.state === 'TASK_RUNNING') return agentId;
    await c.settle();
  }
}
