// Launch a task from an offer and follow its updates, acknowledging each (shared by the docker e2e tests).
import { expect } from 'vitest';
import { updateOf, type Offer as OfferJson, type V1Scheduler } from '../helpers/v1-client.js';
import { TEST_IMAGE } from '../containerizer/docker-helpers.js';

export type Update = ReturnType<typeof updateOf>;
const TERMINAL = ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_ERROR', 'TASK_GONE', 'TASK_DROPPED'];

export async function launchTask(s: V1Scheduler, offer: OfferJson, task: Record<string, unknown>): Promise<void> {
  const res = await s.call({
    type: 'ACCEPT',
    accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [{ agent_id: offer.agent_id, ...task }] } }], filters: { refuse_seconds: 0 } },
  });
  expect(res.status).toBe(202);
}

/** Acknowledges the task's updates until `until` (or any terminal state); returns them. */
export async function followTask(s: V1Scheduler, taskId: string, until: string): Promise<Update[]> {
  const seen: Update[] = [];
  for (;;) {
    const st = updateOf(await s.next((x) => x.type === 'UPDATE' && updateOf(x).task_id.value === taskId));
    seen.push(st);
    if (st.uuid !== undefined) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: st.agent_id, task_id: st.task_id, uuid: st.uuid } });
    if (st.state === until || TERMINAL.includes(st.state)) return seen;
  }
}

/** A DOCKER command task on the local test image, host network. */
export function dockerTask(id: string, value: string, extra: { mem?: number; image?: string } = {}): Record<string, unknown> {
  return {
    name: id, task_id: { value: id }, command: { shell: true, value },
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.2 } }, { name: 'mem', type: 'SCALAR', scalar: { value: extra.mem ?? 32 } }],
    container: { type: 'DOCKER', docker: { image: extra.image ?? TEST_IMAGE, network: 'HOST' } },
  };
}
