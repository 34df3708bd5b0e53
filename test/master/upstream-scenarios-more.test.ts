import { describe, expect, it } from 'vitest';
import { simCluster } from '../helpers/sim-cluster.js';
import { isOffers, offersOf, updateOf, type Event } from '../helpers/v1-client.js';
import { operatorCall, operatorGet, type Json } from '../helpers/operator-client.js';
import { commandTask, launchRunning } from '../helpers/task-flows.js';

// Scenarios of Apache Mesos's own test suite (src/tests/*.cpp), ported as black-box tests of a
// real master and posix agent on loopback, on a manual clock. Each test is named after the
// upstream test it ports; upstream runs in-process and intercepts messages, so the ports assert
// what a framework or an operator can see.

const cpus = (e: Json): number => ((e['resources'] as { name: string; scalar?: { value: number } }[]).find((r) => r.name === 'cpus')?.scalar?.value ?? 0);
const isUpdateFor = (id: string) => (e: Event): boolean => e.type === 'UPDATE' && updateOf(e).task_id.value === id;

describe('Mesos test suite scenarios', () => {
  it('SchedulerHttpApiTest.DefaultAccept: SUBSCRIBE with Accept */* streams application/json', async () => {
    const c = await simCluster({ agent: false });
    const ctl = new AbortController();
    const res = await c.fetch('/api/v1/scheduler', {
      method: 'POST', signal: ctl.signal,
      headers: { 'Content-Type': 'application/json', Accept: '*/*' },
      body: JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'accept' } } }),
    });
    try {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('mesos-stream-id')).toMatch(/\S/);
    } finally {
      ctl.abort();
      await res.body?.cancel().catch(() => undefined);
    }
  });

  it('SchedulerTest.Decline: declined resources come back only after refuse_seconds', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'decline' });
    const offer = offersOf(await s.next(isOffers))[0]!;
    expect((await s.call({ type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 60 } } })).status).toBe(202);
    await c.advance(59_000);
    await s.barrier();
    expect(s.takeAll(isOffers)).toEqual([]);
    await c.advance(2_000);
    expect(offersOf(await s.next(isOffers))[0]!.agent_id).toEqual(offer.agent_id);
  });

  it('ReconciliationTest.UnknownSlave: a task on an unknown agent is TASK_UNKNOWN (PARTITION_AWARE), REASON_RECONCILIATION, no unreachable_time', async () => {
    const c = await simCluster({ agent: false });
    const s = await c.scheduler({ name: 'rec', capabilities: [{ type: 'PARTITION_AWARE' }] });
    expect((await s.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'ghost' }, agent_id: { value: 'no-such-agent' } }] } })).status).toBe(202);
    const u = updateOf(await s.next(isUpdateFor('ghost'))) as ReturnType<typeof updateOf> & { unreachable_time?: unknown };
    expect([u.state, u.reason, u.source, u.unreachable_time]).toEqual(['TASK_UNKNOWN', 'REASON_RECONCILIATION', 'SOURCE_MASTER', undefined]);
    // Without PARTITION_AWARE the same answer is TASK_LOST.
    const old = await c.scheduler({ name: 'rec-old' });
    await old.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'ghost' }, agent_id: { value: 'no-such-agent' } }] } });
    expect(updateOf(await old.next(isUpdateFor('ghost'))).state).toBe('TASK_LOST');
  });

  it('MasterTest.StatusUpdateAck: updates of a task come one at a time, the next only after the acknowledgement', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'ack' });
    const offer = offersOf(await s.next(isOffers))[0]!;
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('a-1', offer.agent_id.value, 'sleep 300')] } }] } });
    const first = updateOf(await s.next(isUpdateFor('a-1')));
    expect(first.uuid).toBeTruthy();
    // Unacknowledged: the agent retries the same update, never the next one.
    await c.advance(30_000);
    await s.barrier();
    const again = s.takeAll(isUpdateFor('a-1')).map(updateOf);
    expect(again.every((u) => u.state === first.state && u.uuid === first.uuid)).toBe(true);
    await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: offer.agent_id, task_id: { value: 'a-1' }, uuid: first.uuid } });
    const next = updateOf(await s.next((e) => isUpdateFor('a-1')(e) && updateOf(e).uuid !== first.uuid));
    expect(next.state).not.toBe(first.state);
  });

  it('MasterTest.ReleaseResourcesForTerminalTaskWithPendingUpdates / UnacknowledgedTerminalTask: a finished task frees its resources before its update is acknowledged', async () => {
    const c = await simCluster({ resources: 'cpus:1;mem:256;disk:100' });
    const s = await c.scheduler({ name: 'release' });
    const offer = offersOf(await s.next(isOffers))[0]!;
    const task = { ...commandTask('r-1', offer.agent_id.value, 'exit 0'), resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }] };
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] } });
    // Acknowledge all but the terminal update.
    for (;;) {
      const u = updateOf(await s.next(isUpdateFor('r-1'), 30_000));
      if (u.state === 'TASK_FINISHED') break;
      await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: offer.agent_id, task_id: { value: 'r-1' }, uuid: u.uuid } });
    }
    // The whole CPU is offered again while TASK_FINISHED waits for its acknowledgement...
    const back = await c.until('the CPU offered again', () => s.takeAll(isOffers).flatMap((e) => offersOf<Json>(e)).find((o) => cpus(o) === 1), { stepMs: 1000 });
    expect(back['agent_id']).toEqual(offer.agent_id);
    // ...and the task is listed with its latest state, unacknowledged (Mesos keeps it in `tasks`).
    const tasks = (await operatorGet(c.master, 'GET_TASKS'))['get_tasks'] as { tasks?: { task_id: { value: string }; state: string }[] };
    expect(tasks.tasks?.map((t) => [t.task_id.value, t.state])).toEqual([['r-1', 'TASK_FINISHED']]);
  });

  it('MasterTest.LaunchCombinedOfferTest: one task may use two offers of the same agent together', async () => {
    const c = await simCluster({ resources: 'cpus:2;mem:512;disk:100' });
    const s = await c.scheduler({ name: 'combined' });
    const first = offersOf(await s.next(isOffers))[0]!;
    // Take half of the agent with a task, so the rest comes as a second offer.
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [first.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [{ ...commandTask('half', first.agent_id.value, 'exit 0'), resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 256 } }] }] } }], filters: { refuse_seconds: 0 } } });
    const second = await c.until('an offer of the rest', () => s.takeAll(isOffers).flatMap((e) => offersOf<Json>(e))[0], { stepMs: 500 });
    for (;;) {
      const u = updateOf(await s.next(isUpdateFor('half'), 30_000));
      await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: first.agent_id, task_id: { value: 'half' }, uuid: u.uuid } });
      if (u.state === 'TASK_FINISHED') break;
    }
    const third = await c.until('an offer of the freed half', () => s.takeAll(isOffers).flatMap((e) => offersOf<Json>(e))[0], { stepMs: 500 });
    expect([cpus(second), cpus(third)]).toEqual([1, 1]);
    const big = { ...commandTask('both', first.agent_id.value), resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 300 } }] };
    expect((await s.call({ type: 'ACCEPT', accept: { offer_ids: [second['id'], third['id']], operations: [{ type: 'LAUNCH', launch: { task_infos: [big] } }] } })).status).toBe(202);
    const u = updateOf(await s.next(isUpdateFor('both'), 30_000));
    expect(['TASK_STARTING', 'TASK_RUNNING']).toContain(u.state);
  });

  it('MasterAllocatorTest.ResourcesUnused and FrameworkExited: what one framework leaves, or holds when it is torn down, is offered to another', async () => {
    const c = await simCluster({ resources: 'cpus:2;mem:512;disk:100' });
    const a = await c.scheduler({ name: 'first' });
    await launchRunning(c, a, 'keep', (agentId) => ({ ...commandTask('keep', agentId), resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 128 } }] }));
    const b = await c.scheduler({ name: 'second' });
    // ResourcesUnused: the other half goes to the second framework (the first has the larger share).
    const unused = await c.until('the unused half offered to the second framework', () => b.takeAll(isOffers).flatMap((e) => offersOf<Json>(e))[0], { stepMs: 1000 });
    expect(cpus(unused)).toBe(1);
    // FrameworkExited: once the first is torn down, its task ends and the whole agent is offered
    // to the second (its filter on the half it declined does not cover the whole).
    expect((await b.call({ type: 'DECLINE', decline: { offer_ids: [unused['id']], filters: { refuse_seconds: 3600 } } })).status).toBe(202);
    expect((await a.call({ type: 'TEARDOWN' })).status).toBe(202);
    const all = await c.until('the whole agent offered to the second framework', () => b.takeAll(isOffers).flatMap((e) => offersOf<Json>(e)).find((o) => cpus(o) === 2), { stepMs: 1000, maxMs: 120_000 });
    expect(all['agent_id']).toEqual(unused['agent_id']);
  });

  it('MasterAllocatorTest.SlaveLost and MasterAPITest.MarkRegisteredAgentGone: a removed agent\'s offers are rescinded, it is offered no more, and frameworks hear FAILURE', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'lost', capabilities: [{ type: 'PARTITION_AWARE' }] });
    const offer = offersOf(await s.next(isOffers))[0]!;
    expect((await operatorCall(c.master, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: offer.agent_id } })).status).toBe(200);
    const rescind = await s.next((e) => e.type === 'RESCIND');
    expect(rescind['rescind']).toEqual({ offer_id: offer.id });
    expect((await s.next((e) => e.type === 'FAILURE'))['failure']).toEqual({ agent_id: offer.agent_id });
    await c.advance(10_000);
    await s.barrier();
    expect(s.takeAll(isOffers).flatMap((e) => offersOf(e)).filter((o) => o.agent_id.value === offer.agent_id.value)).toEqual([]);
    // Launching on the rescinded offer is refused: the task is dropped, not started.
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('late', offer.agent_id.value)] } }] } });
    expect(['TASK_DROPPED', 'TASK_LOST']).toContain(updateOf(await s.next(isUpdateFor('late'))).state);
  });

  it('FaultToleranceTest.SchedulerFailoverStatusUpdate: an update not acknowledged before a scheduler fails over goes to the new subscription', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'failover', failover_timeout: 3600 });
    const offer = offersOf(await s.next(isOffers))[0]!;
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('f-1', offer.agent_id.value)] } }] } });
    const before = updateOf(await s.next(isUpdateFor('f-1')));
    s.close();
    // The same framework subscribes again (its id), as a failed-over scheduler does.
    const again = c.client();
    const sub = await again.subscribe({ user: 'u', name: 'failover', failover_timeout: 3600, id: { value: s.frameworkId } }, {});
    expect(sub.type).toBe('SUBSCRIBED');
    const redelivered = updateOf(await c.until('the update again', () => again.takeAll(isUpdateFor('f-1'))[0], { stepMs: 1000, maxMs: 60_000 }));
    expect([redelivered.state, redelivered.uuid]).toEqual([before.state, before.uuid]);
  });
});
