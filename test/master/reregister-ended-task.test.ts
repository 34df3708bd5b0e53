import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { simCluster } from '../helpers/sim-cluster.js';
import { isOffers, offersOf, updateOf } from '../helpers/v1-client.js';

// An agent that restarted before our acknowledgement of a task's terminal update reached it
// reports the ended task again when it reregisters (and retries the update): the master, which
// completed the task already, must not take it back as a second copy. Real master and agent over
// loopback HTTP on a manual clock; the reregistration is a hand-made SUBSCRIBE on the agent channel.

interface FrameworkJson { id: string; tasks: { id: string }[]; completed_tasks: { id: string }[] }

describe('reregistration with an ended task the master completed already', () => {
  it('keeps one completed copy and adopts nothing', async () => {
    const c = await simCluster();
    const agentId = await c.agentId();
    const s = await c.scheduler({ name: 'f', checkpoint: true });
    const offer = offersOf(await s.next(isOffers))[0]!;
    const task = {
      name: 'ended', task_id: { value: 'ended' }, agent_id: offer.agent_id, command: { shell: true, value: 'true' },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 } }],
    };
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] } });
    for (;;) {
      const u = updateOf(await s.next((e) => e.type === 'UPDATE', 20_000));
      if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
      if (u.state === 'TASK_FINISHED') break;
      await c.settle();
    }
    const framework = async (): Promise<FrameworkJson> => ((await c.state()).frameworks as unknown as FrameworkJson[]).find((f) => f.id === s.frameworkId)!;
    await c.untilSettled('the task completed', async () => ((await framework()).completed_tasks.some((t) => t.id === 'ended') ? true : undefined));
    await c.stopAgent();

    const req = http.request(new URL('/tsmesos/v1/agent', c.master), { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      expect(res.statusCode).toBe(200);
      res.resume();
    });
    req.on('error', () => undefined); // destroyed at the end
    req.end(JSON.stringify({
      type: 'SUBSCRIBE',
      subscribe: {
        agent_id: { value: agentId },
        agent_info: { hostname: 'restarted-agent', port: 1, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 128 } }] },
        ip: '127.0.0.1',
        tasks: [{ framework_id: { value: s.frameworkId }, framework_info: { user: 'root', name: 'f', checkpoint: true, id: { value: s.frameworkId } }, task, state: 'TASK_FINISHED' }],
      },
    }));
    try {
      await c.untilSettled('the agent reregistered', async () => ((await c.state()).slaves.find((a) => a.id === agentId && a.active) ? true : undefined));
      const fw = await framework();
      expect(fw.tasks.map((t) => t.id)).toEqual([]);
      expect(fw.completed_tasks.filter((t) => t.id === 'ended')).toHaveLength(1);
    } finally {
      req.destroy();
    }
  });
});
