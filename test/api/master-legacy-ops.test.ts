import { describe, expect, it } from 'vitest';
import { simCluster, type SimCluster } from '../helpers/sim-cluster.js';
import { isOffers, offersOf, updateOf, type V1Scheduler } from '../helpers/v1-client.js';

// The legacy endpoints added with the operator API, in Mesos's JSON shapes, and GET /metrics in
// Prometheus text format, against a real master and agent over loopback HTTP (manual clock).

type Json = Record<string, unknown>;
const json = async (c: SimCluster, path: string): Promise<Json> => {
  const r = await c.fetch(path);
  expect(r.status, path).toBe(200);
  return (await r.json()) as Json;
};

/** Launches `ids` in one ACCEPT and acknowledges until all run. */
async function launch(s: V1Scheduler, ids: string[]): Promise<void> {
  const offer = offersOf(await s.next(isOffers))[0]!;
  const agentId = offer.agent_id.value;
  const tasks = ids.map((id) => ({
    name: id, task_id: { value: id }, agent_id: { value: agentId }, command: { value: 'sleep 30' },
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 } }],
  }));
  expect((await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }] } })).status).toBe(202);
  const running = new Set<string>();
  while (running.size < ids.length) {
    const u = updateOf(await s.next((e) => e.type === 'UPDATE'));
    if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agentId }, task_id: u.task_id, uuid: u.uuid } });
    if (u.state === 'TASK_RUNNING') running.add(u.task_id.value);
  }
}

describe('legacy endpoints', () => {
  it('/master/state-summary, /master/tasks (limit, offset, order), /master/roles, /master/weights, /master/flags, /master/health', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'legacy', roles: ['web'], capabilities: [{ type: 'MULTI_ROLE' }] });
    await launch(s, ['a', 'b', 'c']);
    const summary = await json(c, '/master/state-summary');
    const [agent] = summary['slaves'] as Json[];
    expect([agent!['TASK_RUNNING'], agent!['framework_ids'], agent!['active']]).toEqual([3, [s.frameworkId], true]);
    const [fw] = summary['frameworks'] as Json[];
    expect([fw!['id'], fw!['name'], fw!['TASK_RUNNING'], fw!['slave_ids']]).toEqual([s.frameworkId, 'legacy', 3, [agent!['id']]]);
    const ids = async (q: string): Promise<string[]> => ((await json(c, `/master/tasks${q}`))['tasks'] as Json[]).map((t) => String(t['id']));
    const all = await ids('?order=asc');
    expect([...all].sort()).toEqual(['a', 'b', 'c']);
    expect(await ids('')).toEqual([...all].reverse()); // newest first by default
    expect(await ids('?order=asc&limit=1&offset=1')).toEqual([all[1]]);
    expect(await ids('?task_id=b')).toEqual(['b']);
    const [task] = (await json(c, '/master/tasks?task_id=a'))['tasks'] as Json[];
    expect([task!['framework_id'], task!['state'], task!['slave_id']]).toEqual([s.frameworkId, 'TASK_RUNNING', agent!['id']]);
    expect((await c.fetch('/master/tasks?limit=-1')).status).toBe(400);
    expect((await c.fetch('/master/tasks?order=sideways')).status).toBe(400);
    const roles = (await json(c, '/master/roles'))['roles'] as Json[];
    expect(roles.map((r) => [r['name'], r['weight'], r['frameworks'], (r['resources'] as Json)['cpus']])).toEqual([['web', 1, [s.frameworkId], 0.3]]);
    expect(await (await c.fetch('/master/weights')).json()).toEqual([]);
    expect(((await json(c, '/master/flags'))['flags'] as Json)['port']).toBe(String(new URL(c.master).port));
    expect((await c.fetch('/master/health')).status).toBe(200);
  });

  it('POST /master/teardown frameworkId=... removes the framework and kills its tasks; bad requests are 400, GET is 405', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'td' });
    await launch(s, ['x']);
    const post = (body: string): Promise<Response> => c.fetch('/master/teardown', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
    expect((await post('frameworkId=nope')).status).toBe(400);
    expect((await post('')).status).toBe(400);
    expect((await c.fetch('/master/teardown')).status).toBe(405);
    expect((await post(`frameworkId=${s.frameworkId}`)).status).toBe(200);
    const state = await c.state();
    expect(state.frameworks).toEqual([]);
    expect(state.completed_frameworks.map((f) => f.id)).toEqual([s.frameworkId]);
  });
});

describe('GET /metrics', () => {
  it('has the /metrics/snapshot figures as gauges, the latency histograms and the process figures', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'prom' });
    await c.advance(250); // offer-to-accept latency of 0.25 s on the manual clock
    await launch(s, ['p1']);
    const r = await c.fetch('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    const snapshot = (await (await c.fetch('/metrics/snapshot')).json()) as Record<string, number>;
    const value = (name: string): number | undefined => {
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return line === undefined ? undefined : Number(line.split(' ')[1]);
    };
    for (const key of ['master/elected', 'master/tasks_running', 'master/cpus_total', 'master/mem_used', 'master/slaves_active']) {
      expect([key, value(`mesos_${key.replace('/', '_')}`)]).toEqual([key, snapshot[key]]);
    }
    expect(value('mesos_master_tasks_running')).toBe(1);
    expect(text).toContain('# TYPE tsmesos_master_offer_to_accept_seconds histogram');
    expect(value('tsmesos_master_offer_to_accept_seconds_count')).toBe(1);
    expect(value('tsmesos_master_offer_to_accept_seconds_sum')).toBeCloseTo(0.25, 3);
    expect(value('tsmesos_master_accept_to_running_seconds_count')).toBe(1);
    expect(value('tsmesos_master_allocation_run_seconds_count')).toBeGreaterThan(0);
    // The process's own figures (prom-client's default metrics), read from this very process.
    const rss = value('process_resident_memory_bytes');
    expect(rss).toBeGreaterThan(10 * 2 ** 20);
    expect(rss).toBeLessThan(2 * process.memoryUsage().rss + 1);
    expect(value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });
});
