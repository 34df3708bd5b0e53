import { describe, expect, it } from 'vitest';
import { simCluster } from '../helpers/sim-cluster.js';
import { isOffers, offersOf, updateOf, type Event, type Offer, type V1Scheduler } from '../helpers/v1-client.js';
import { operatorGet, type Json } from '../helpers/operator-client.js';

// More scenarios of Apache Mesos's test suite (src/tests/*.cpp; mesos-api.md §11), ported as
// black-box tests against the real master and agent on a manual clock, each named after the
// upstream test; and Mesos's per-framework metrics (master/frameworks/<name>/<id>/...), which
// MasterTest.OfferTimeout reads.

interface Res { name: string; scalar?: { value: number } }
const scalar = (o: Offer, name: string): number => ((o as unknown as { resources: Res[] }).resources).filter((r) => r.name === name).reduce((s, r) => s + (r.scalar?.value ?? 0), 0);
const task = (id: string, agentId: string, cmd: string, cpus: number, mem: number): Json => ({
  name: id, task_id: { value: id }, agent_id: { value: agentId }, command: { value: cmd },
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: cpus } }, { name: 'mem', type: 'SCALAR', scalar: { value: mem } }],
});
const isUpdate = (id: string) => (e: Event): boolean => e.type === 'UPDATE' && updateOf(e).task_id.value === id;

/** What untilState saw and did, for the metrics test. */
const seen = { updates: 0, acks: 0 };

/** Acknowledges the task's updates until `state`, whose own update is acknowledged only if `ackLast`. */
async function untilState(s: V1Scheduler, id: string, state: string, ackLast = false): Promise<ReturnType<typeof updateOf>> {
  for (;;) {
    const u = updateOf(await s.next(isUpdate(id)));
    seen.updates++;
    if (u.uuid && (u.state !== state || ackLast)) {
      await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
      seen.acks++;
    }
    if (u.state === state) return u;
  }
}

async function metrics(master: string): Promise<Record<string, number>> {
  const r = await fetch(`${master}/metrics/snapshot`);
  expect(r.status).toBe(200);
  return (await r.json()) as Record<string, number>;
}

describe('master_tests', () => {
  it('MasterTest.OfferTimeout: a held offer is rescinded after --offer-timeout and offered again; the framework metrics count it', async () => {
    const c = await simCluster({ flags: { offerTimeout: '30secs' } });
    const s = await c.scheduler({ name: 'holder' });
    const first = offersOf(await s.next(isOffers))[0]!;
    await c.advance(29_999);
    await s.barrier();
    expect(s.events.some((e) => e.type === 'RESCIND')).toBe(false);
    await c.advance(1);
    const rescind = await s.next((e) => e.type === 'RESCIND');
    expect((rescind['rescind'] as { offer_id: { value: string } }).offer_id.value).toBe(first.id.value);
    await c.advance(1000);
    const second = offersOf(await s.next(isOffers))[0]!;
    expect(second.id.value).not.toBe(first.id.value);
    for (const k of ['cpus', 'mem', 'disk']) expect([k, scalar(second, k)]).toEqual([k, scalar(first, k)]);
    const m = await metrics(c.master);
    const prefix = `master/frameworks/holder/${s.frameworkId}/`;
    expect([m[`${prefix}offers/accepted`], m[`${prefix}offers/sent`], m[`${prefix}offers/rescinded`]]).toEqual([0, 2, 1]);
  });

  it('MasterTest.UnacknowledgedTerminalTask: resources of a terminal task come back before its update is acknowledged', async () => {
    const c = await simCluster({ resources: 'cpus:1;mem:64' });
    const s = await c.scheduler({ name: 'noack' });
    const first = offersOf(await s.next(isOffers))[0]!;
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [first.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('t', first.agent_id.value, 'true', 1, 64)] } }], filters: { refuse_seconds: 0 } } });
    const finished = await untilState(s, 't', 'TASK_FINISHED');
    expect(finished.uuid).toBeTruthy();
    await c.advance(1000);
    const second = offersOf(await s.next(isOffers))[0]!;
    expect([scalar(second, 'cpus'), scalar(second, 'mem')]).toEqual([scalar(first, 'cpus'), scalar(first, 'mem')]);
  });
});

describe('reconciliation_tests', () => {
  it('ReconciliationTest.UnacknowledgedTerminalTask: implicit reconciliation answers the unacknowledged terminal state', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'recon' });
    const offer = offersOf(await s.next(isOffers))[0]!;
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('done', offer.agent_id.value, 'true', 0.1, 16)] } }] } });
    await untilState(s, 'done', 'TASK_FINISHED');
    await s.call({ type: 'RECONCILE', reconcile: { tasks: [] } });
    const u = updateOf(await s.next((e) => isUpdate('done')(e) && updateOf(e).reason === 'REASON_RECONCILIATION'));
    expect([u.state, u.agent_id?.value]).toEqual(['TASK_FINISHED', offer.agent_id.value]);
  });
});

describe('reconciliation_tests after a master restart', () => {
  it('ReconciliationTest.RecoveredAgent: no answer for a task on an agent recovered from the registry that has not reregistered', async () => {
    const c = await simCluster();
    const agentId = await c.agentId();
    await c.stopMaster();
    await c.stopAgent();
    await c.startMaster();
    const s = await c.scheduler({ name: 'after-failover' });
    await s.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'on-recovered-agent' }, agent_id: { value: agentId } }] } });
    // The barrier's own reconciliation is answered after anything the master sent for ours: nothing was.
    await s.barrier();
    expect(s.events.filter(isUpdate('on-recovered-agent'))).toEqual([]);
    expect((await c.state()).recovered_slaves.map((a) => a.id)).toEqual([agentId]);
  });
});

describe('master_tests after a master restart', () => {
  it('MasterTest.RecoveredSlaveCanReregister: an agent recovered from the registry reregisters and is active again', async () => {
    const c = await simCluster();
    const agentId = await c.agentId();
    await c.stopMaster();
    await c.startMaster();
    expect((await c.state()).recovered_slaves.map((a) => a.id)).toEqual([agentId]);
    // The agent notices the lost master and reregisters with backoff: move time until it has.
    await c.until('the agent to reregister', async () => {
      const st = await c.state();
      return st.slaves.some((a) => a.id === agentId && a.active) && st.recovered_slaves.length === 0 ? true : undefined;
    }, { stepMs: 500, maxMs: 120_000 });
    const s = await c.scheduler({ name: 'after-reregistration' });
    expect(offersOf(await s.next(isOffers))[0]!.agent_id.value).toBe(agentId);
  });
});

describe('master_allocator_tests', () => {
  it('MasterAllocatorTest.FrameworkExited: resources a torn-down framework used are offered to the other', async () => {
    const c = await simCluster({ resources: 'cpus:3;mem:1024' });
    const a = await c.scheduler({ name: 'a' });
    const offer = offersOf(await a.next(isOffers))[0]!;
    await a.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('a1', offer.agent_id.value, 'sleep 60', 1, 256)] } }] } });
    await untilState(a, 'a1', 'TASK_RUNNING');
    const b = await c.scheduler({ name: 'b' });
    await c.advance(6000); // past the 5 s filter ACCEPT put on what a left over
    const toB = offersOf(await b.next(isOffers))[0]!;
    expect([scalar(toB, 'cpus'), scalar(toB, 'mem')]).toEqual([2, 768]);
    await b.barrier();
    b.takeAll(isOffers);
    await a.call({ type: 'TEARDOWN' });
    const freed = offersOf(await b.next(isOffers))[0]!;
    expect([scalar(freed, 'cpus'), scalar(freed, 'mem')]).toEqual([1, 256]);
  });
});

describe('SHUTDOWN of a command executor', () => {
  it('kills its task (TASK_KILLED); an unknown executor or agent is ignored (202, nothing sent)', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'shutdown' });
    const offer = offersOf(await s.next(isOffers))[0]!;
    const agentId = offer.agent_id.value;
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('sd', agentId, 'sleep 60', 0.1, 16)] } }] } });
    await untilState(s, 'sd', 'TASK_RUNNING', true);
    for (const shutdown of [{ executor_id: { value: 'no-such-executor' }, agent_id: { value: agentId } }, { executor_id: { value: 'sd' }, agent_id: { value: 'no-such-agent' } }]) {
      expect((await s.call({ type: 'SHUTDOWN', shutdown })).status).toBe(202);
    }
    await s.barrier();
    expect(s.events.filter(isUpdate('sd'))).toEqual([]);
    expect((await s.call({ type: 'SHUTDOWN', shutdown: { executor_id: { value: 'sd' }, agent_id: { value: agentId } } })).status).toBe(202);
    expect((await untilState(s, 'sd', 'TASK_KILLED')).state).toBe('TASK_KILLED');
    expect((await s.call({ type: 'SHUTDOWN', shutdown: { executor_id: { value: 'sd' } } })).status).toBe(400);
  });
});

describe('per-framework metrics (Mesos FrameworkMetrics)', () => {
  it('count calls, events, offers, operations and task states, in /metrics/snapshot, GET_METRICS and labelled in Prometheus', async () => {
    const c = await simCluster();
    seen.updates = 0;
    seen.acks = 0;
    const s = await c.scheduler({ name: 'count me/1' });
    const offer = offersOf(await s.next(isOffers))[0]!;
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('m1', offer.agent_id.value, 'sleep 60', 0.1, 16)] } }] } });
    await untilState(s, 'm1', 'TASK_RUNNING', true);
    await s.call({ type: 'DECLINE', decline: { offer_ids: [{ value: 'no-such-offer' }] } });
    await s.call({ type: 'KILL', kill: { task_id: { value: 'm1' } } });
    await untilState(s, 'm1', 'TASK_KILLED');
    await s.barrier();
    const prefix = `master/frameworks/count%20me%2F1/${s.frameworkId}/`;
    const m = await metrics(c.master);
    const acks = seen.acks;
    const got = (k: string): number | undefined => m[prefix + k];
    expect({
      subscribed: got('subscribed'), subscribe: got('calls/subscribe'), accept: got('calls/accept'), decline: got('calls/decline'), kill: got('calls/kill'),
      acknowledge: got('calls/acknowledge'), calls: got('calls'), declined: got('offers/declined'), accepted: got('offers/accepted'),
      launch: got('operations/launch'), operations: got('operations'), killed: got('tasks/terminal/task_killed'), running: got('tasks/active/task_running'),
      subscribedEvents: got('events/subscribed'),
    }).toEqual({
      // calls: SUBSCRIBE, ACCEPT, DECLINE, KILL, the acknowledgements and the barrier's RECONCILE.
      subscribed: 1, subscribe: 1, accept: 1, decline: 1, kill: 1, acknowledge: acks, calls: 5 + acks, declined: 0, accepted: 1,
      launch: 1, operations: 1, killed: 1, running: 0, subscribedEvents: 1,
    });
    // Events by type (the barrier's UPDATE among them) and in all.
    expect(got('events/update')).toBe(seen.updates + 1);
    const byType = Object.keys(m).filter((k) => k.startsWith(`${prefix}events/`)).reduce((n, k) => n + m[k]!, 0);
    expect(got('events')).toBe(byType);
    expect(got('events/offers')).toBeGreaterThanOrEqual(1);
    expect(got('offers/sent')).toBeGreaterThanOrEqual(got('events/offers')!);
    // Keys Mesos defines exist at zero.
    for (const k of ['calls/shutdown', 'events/failure', 'operations/launch_group', 'tasks/terminal/task_lost', 'tasks/active/task_staging']) expect([k, got(k)]).toEqual([k, 0]);

    const viaApi = ((await operatorGet(c.master, 'GET_METRICS'))['get_metrics'] as { metrics: { name: string; value: number }[] }).metrics;
    expect(viaApi.find((x) => x.name === `${prefix}calls/kill`)?.value).toBe(1);

    const prom = await (await fetch(`${c.master}/metrics`)).text();
    expect(prom).toContain(`mesos_master_framework_calls_kill{framework_id="${s.frameworkId}",framework_name="count me/1"} 1`);
    // No metric name carries a framework id.
    expect(prom).not.toContain(`_${s.frameworkId.replace(/[^A-Za-z0-9_]/g, '_')}_`);

    // A torn-down framework's metrics go with it (Mesos removes them).
    await s.call({ type: 'TEARDOWN' });
    await c.untilSettled('the framework to be removed', async () => (Object.keys(await metrics(c.master)).some((k) => k.startsWith(prefix)) ? undefined : true));
  });
});
