import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCluster } from '../helpers/in-process.js';
import { V1Scheduler, updateOf, type Event } from '../helpers/v1-client.js';

// Mesos scheduler semantics ported from scheduler_http_api_tests, master_tests and reconciliation_tests.

interface Offer { id: { value: string }; agent_id: { value: string } }
async function firstOffer(s: V1Scheduler): Promise<Offer> {
  const e = await s.next((x) => x.type === 'OFFERS');
  return (e['offers'] as { offers: Offer[] }).offers[0]!;
}
const task = (id: string, agentId: string, cpus = 0.1, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: id, task_id: { value: id }, agent_id: { value: agentId }, command: { value: 'sleep 30' },
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: cpus } }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 } }], ...extra,
});
const launchCall = (offerIds: string[], tasks: Record<string, unknown>[]): Record<string, unknown> => ({
  type: 'ACCEPT', accept: { offer_ids: offerIds.map((value) => ({ value })), operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters: { refuse_seconds: 0 } },
});
const isUpdateFor = (id: string) => (e: Event) => e.type === 'UPDATE' && updateOf(e).task_id.value === id;

let cluster: Awaited<ReturnType<typeof inProcessCluster>>;
beforeAll(async () => {
  cluster = await inProcessCluster();
});
afterAll(async () => {
  await cluster.stop();
});

describe('scheduler semantics', () => {
  it('SUBSCRIBED carries the framework id, a 15 s heartbeat and master_info', async () => {
    const s = new V1Scheduler(cluster.master);
    const e = await s.subscribe({ user: 'u', name: 'hb' });
    const sub = e['subscribed'] as { heartbeat_interval_seconds: number; master_info: { id: string; address: { port: number } } };
    expect(sub.heartbeat_interval_seconds).toBe(15);
    expect(sub.master_info.address.port).toBe(Number(new URL(cluster.master).port));
    expect(s.frameworkId.startsWith(sub.master_info.id)).toBe(true);
    await s.call({ type: 'TEARDOWN' });
    s.close();
  });

  it('a resubscription with the same id fails over: the old stream gets ERROR and closes', async () => {
    const a = new V1Scheduler(cluster.master);
    await a.subscribe({ user: 'u', name: 'fo', failover_timeout: 60 });
    const b = new V1Scheduler(cluster.master);
    const sub = await b.subscribe({ user: 'u', name: 'fo', failover_timeout: 60, id: { value: a.frameworkId } });
    expect(sub.type).toBe('SUBSCRIBED');
    expect(b.frameworkId).toBe(a.frameworkId);
    const err = await a.next((e) => e.type === 'ERROR');
    expect((err['error'] as { message: string }).message).toBe('Framework failed over');
    // The old stream id no longer works: 400.
    const stale = await a.call({ type: 'REVIVE' });
    expect(stale.status).toBe(400);
    expect((await b.call({ type: 'TEARDOWN' })).status).toBe(202);
    b.close();
    // A removed framework cannot come back.
    const c = new V1Scheduler(cluster.master);
    const refused = await c.subscribe({ user: 'u', name: 'fo', id: { value: a.frameworkId } });
    expect(refused.type).toBe('ERROR');
    expect((refused['error'] as { message: string }).message).toBe('Framework has been removed');
  });

  it('invalid tasks get TASK_ERROR; invalid offers give TASK_DROPPED/LOST; unused resources come back', async () => {
    const s = new V1Scheduler(cluster.master);
    await s.subscribe({ user: 'u', name: 'val', capabilities: [{ type: 'PARTITION_AWARE' }] });
    const offer = await firstOffer(s);
    const agent = offer.agent_id.value;
    const res = await s.call(launchCall([offer.id.value], [
      task('too-big', agent, 64),
      task('wrong-agent', 'other-agent'),
      task('no-cmd', agent, 0.1, { command: undefined }),
      task('ok', agent),
      task('ok', agent),
    ]));
    expect(res.status).toBe(202);
    for (const id of ['too-big', 'wrong-agent', 'no-cmd']) {
      const st = updateOf(await s.next(isUpdateFor(id)));
      expect(st.state).toBe('TASK_ERROR');
      expect(st.reason).toBe('REASON_TASK_INVALID');
      expect(st.uuid).toBeUndefined();
    }
    // The duplicate of 'ok' is refused, the first runs.
    const dup = await s.next((e) => e.type === 'UPDATE' && updateOf(e).task_id.value === 'ok' && updateOf(e).state === 'TASK_ERROR');
    expect(updateOf(dup).message).toMatch(/already exists/);
    const ok = updateOf(await s.next((e) => isUpdateFor('ok')(e) && updateOf(e).state === 'TASK_STARTING'));
    expect(ok.uuid).toBeDefined();
    // Reusing the consumed offer: TASK_DROPPED for a partition-aware framework.
    await s.call(launchCall([offer.id.value], [task('late', agent)]));
    const late = updateOf(await s.next(isUpdateFor('late')));
    expect(late.state).toBe('TASK_DROPPED');
    expect(late.reason).toBe('REASON_INVALID_OFFERS');
    // Explicit reconciliation: known task reports its state, unknown task on a registered agent is GONE.
    await s.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'ok' } }, { task_id: { value: 'ghost' }, agent_id: { value: agent } }] } });
    const r1 = updateOf(await s.next((e) => isUpdateFor('ok')(e) && updateOf(e).reason === 'REASON_RECONCILIATION'));
    expect(['TASK_STAGING', 'TASK_STARTING']).toContain(r1.state);
    const r2 = updateOf(await s.next(isUpdateFor('ghost')));
    expect(r2.state).toBe('TASK_GONE');
    await s.call({ type: 'TEARDOWN' });
    s.close();
  });

  it('DECLINE filters an agent for refuse_seconds; REVIVE clears the filter', async () => {
    const s = new V1Scheduler(cluster.master);
    await s.subscribe({ user: 'u', name: 'decline' });
    const offer = await firstOffer(s);
    expect((await s.call({ type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 3600 } } })).status).toBe(202);
    await expect(s.next((e) => e.type === 'OFFERS', 2500)).rejects.toThrow(/no matching event/);
    expect((await s.call({ type: 'REVIVE' })).status).toBe(202);
    await s.next((e) => e.type === 'OFFERS', 5000);
    await s.call({ type: 'TEARDOWN' });
    s.close();
  });

  it('a framework whose stream closed is not subscribed: 403', async () => {
    const s = new V1Scheduler(cluster.master);
    await s.subscribe({ user: 'u', name: 'gone', failover_timeout: 600 });
    const streamId = s.streamId;
    s.close();
    await new Promise((r) => setTimeout(r, 300));
    const res = await fetch(`${cluster.master}/api/v1/scheduler`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'Mesos-Stream-Id': streamId },
      body: JSON.stringify({ type: 'REVIVE', framework_id: { value: s.frameworkId } }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('FORBIDDEN');
  });

  it('UPDATE_FRAMEWORK changes mutable fields (200) and refuses immutable ones (400)', async () => {
    const s = new V1Scheduler(cluster.master);
    await s.subscribe({ user: 'u', name: 'upd', failover_timeout: 5 });
    const base = { user: 'u', id: { value: s.frameworkId }, failover_timeout: 60 };
    const ok = await s.call({ type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: { ...base, name: 'renamed' } } });
    expect(ok.status).toBe(200);
    const state = (await (await fetch(`${cluster.master}/master/frameworks`)).json()) as { frameworks: { id: string; name: string; failover_timeout: number }[] };
    const fw = state.frameworks.find((f) => f.id === s.frameworkId)!;
    expect([fw.name, fw.failover_timeout]).toEqual(['renamed', 60]);
    const bad = await s.call({ type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: { ...base, user: 'root', name: 'x' } } });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/'user' cannot be changed/);
    const wrongId = await s.call({ type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: { ...base, id: { value: 'other' }, name: 'x' } } });
    expect(wrongId.status).toBe(400);
    await s.call({ type: 'TEARDOWN' });
    s.close();
  });
});
