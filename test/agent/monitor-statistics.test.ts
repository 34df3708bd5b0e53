import { describe, expect, it } from 'vitest';
import { simCluster } from '../helpers/sim-cluster.js';
import { waitFor } from '../helpers/process.js';
import { isOffers, offersOf, updateOf } from '../helpers/v1-client.js';

// GET /monitor/statistics on the real agent (posix containerizer, cgroups where writable):
// Mesos's ResourceUsage JSON, one entry per running task, measured from its container.

interface Entry { executor_id: string; framework_id: string; source: string; statistics: Record<string, number> }

describe('/monitor/statistics', () => {
  it('lists nothing on an idle agent, then each running task with its usage and limits', async () => {
    const c = await simCluster();
    const get = async (): Promise<Entry[]> => {
      const r = await fetch(`${c.agent}/monitor/statistics`);
      expect(r.status).toBe(200);
      return (await r.json()) as Entry[];
    };
    expect(await get()).toEqual([]);
    const s = await c.scheduler({ name: 'mon' });
    const offer = offersOf(await s.next(isOffers))[0]!;
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [{
      name: 'busy', task_id: { value: 'busy' }, agent_id: offer.agent_id,
      // Burns CPU, so its accounted CPU time grows.
      command: { value: 'while :; do :; done' },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 48 } }],
    }] } }] } });
    for (;;) {
      const u = updateOf(await s.next((e) => e.type === 'UPDATE'));
      if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
      if (u.state === 'TASK_RUNNING') break;
    }
    const entry = await waitFor('CPU time to be accounted', async () => {
      const [e] = await get();
      return e !== undefined && (e.statistics['cpus_user_time_secs'] ?? 0) + (e.statistics['cpus_system_time_secs'] ?? 0) > 0 ? e : undefined;
    });
    expect(entry).toMatchObject({ executor_id: 'busy', source: 'busy', framework_id: s.frameworkId });
    expect(entry.statistics['mem_rss_bytes']).toBeGreaterThan(0);
    expect(typeof entry.statistics['timestamp']).toBe('number');
    // cgroups isolation (the default where cgroups are writable, as on the test machines): limits from the task's resources.
    expect(entry.statistics['mem_limit_bytes']).toBe(48 * 1024 * 1024);
    expect(entry.statistics['cpus_limit']).toBe(0.5);
    expect((await fetch(`${c.agent}/monitor/statistics.json`)).status).toBe(200);
  });
});
