import { describe, expect, it } from 'vitest';
import { simCluster, type SimCluster } from '../helpers/sim-cluster.js';
import { isOffers, offersOf, updateOf, type Event, type V1Scheduler } from '../helpers/v1-client.js';
import { operatorCall, operatorGet, type Json } from '../helpers/operator-client.js';

// Scenarios of Apache Mesos's own test suite (src/tests/*.cpp; mesos-api.md §11), ported as
// black-box tests against a real master and agent. Each is named after the upstream test.

const task = (id: string, agentId: string, cmd = 'sleep 30'): Json => ({
  name: id, task_id: { value: id }, agent_id: { value: agentId }, command: { value: cmd },
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 } }],
});
const post = (c: SimCluster, body: string, headers: Record<string, string>): Promise<Response> =>
  // A byte body: fetch adds no Content-Type of its own (a string body would get text/plain).
  fetch(`${c.master}/api/v1/scheduler`, { method: 'POST', headers, body: new TextEncoder().encode(body) });
const isUpdate = (id: string) => (e: Event): boolean => e.type === 'UPDATE' && updateOf(e).task_id.value === id;

async function runToRunning(s: V1Scheduler, id: string): Promise<string> {
  const offer = offersOf(await s.next(isOffers))[0]!;
  await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task(id, offer.agent_id.value)] } }] } });
  for (;;) {
    const u = updateOf(await s.next(isUpdate(id)));
    if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
    if (u.state === 'TASK_RUNNING') return offer.agent_id.value;
  }
}

describe('scheduler_http_api_tests', () => {
  it('SchedulerHttpApiTest.NoContentType / UnsupportedContentMediaType / NotAcceptable', async () => {
    const c = await simCluster({ agent: false });
    const body = JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } });
    expect((await post(c, body, {})).status).toBe(400);
    expect((await post(c, body, { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await post(c, body, { 'Content-Type': 'application/json', Accept: 'text/html' })).status).toBe(406);
  });

  it('SchedulerHttpApiTest.SubscribeWithStreamId / TeardownWithoutStreamId / TeardownWrongStreamId', async () => {
    const c = await simCluster({ agent: false });
    const sub = JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } });
    expect((await post(c, sub, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': 'x' })).status).toBe(400);
    const s = await c.scheduler({ name: 'stream' });
    const teardown = JSON.stringify({ type: 'TEARDOWN', framework_id: { value: s.frameworkId } });
    expect((await post(c, teardown, { 'Content-Type': 'application/json' })).status).toBe(400);
    expect((await post(c, teardown, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': 'not-the-stream' })).status).toBe(400);
  });

  it('SchedulerHttpApiTest.RejectFrameworkWithInvalidRole', async () => {
    const c = await simCluster({ agent: false });
    const e = await c.client().subscribe({ user: 'u', name: 'bad-role', role: '..' });
    expect(e.type).toBe('ERROR');
  });
});

describe('scheduler_tests', () => {
  it('SchedulerTest.TaskRunning', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'run' });
    await runToRunning(s, 't');
  });

  it('SchedulerTest.Suppress / Revive / NoOffersWithAllRolesSuppressed', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'quiet' });
    const first = offersOf(await s.next(isOffers))[0]!;
    await s.call({ type: 'SUPPRESS' });
    await s.call({ type: 'DECLINE', decline: { offer_ids: [first.id], filters: { refuse_seconds: 0 } } });
    await c.advance(5000); // five allocation intervals: nothing while suppressed
    await s.barrier();
    expect(s.events.filter(isOffers)).toEqual([]);
    await s.call({ type: 'REVIVE' });
    expect(offersOf(await s.next(isOffers))).toHaveLength(1);
  });

  it('SchedulerTest.SchedulerFailover', async () => {
    const c = await simCluster();
    const a = await c.scheduler({ name: 'fo', failover_timeout: 60 });
    const b = c.client();
    expect((await b.subscribe({ user: 'u', name: 'fo', failover_timeout: 60, id: { value: a.frameworkId } })).type).toBe('SUBSCRIBED');
    expect(((await a.next((e) => e.type === 'ERROR'))['error'] as { message: string }).message).toBe('Framework failed over');
  });
});

describe('fault_tolerance_tests', () => {
  it('FaultToleranceTest.SchedulerReregisterAfterFailoverTimeout', async () => {
    const c = await simCluster({ agent: false });
    const s = await c.scheduler({ name: 'late', failover_timeout: 1 });
    s.close();
    await c.untilSettled('the stream to close', async () => ((await c.state()).frameworks.some((f) => f.id === s.frameworkId && !f.active) ? true : undefined));
    await c.advance(1000);
    const back = await c.client().subscribe({ user: 'u', name: 'late', id: { value: s.frameworkId } });
    expect((back['error'] as { message: string }).message).toBe('Framework has been removed');
  });
});

describe('reconciliation_tests', () => {
  it('ReconciliationTest.UnknownTask (TASK_LOST) and UnknownTaskPartitionAware (TASK_UNKNOWN)', async () => {
    const c = await simCluster();
    const plain = await c.scheduler({ name: 'plain' });
    await plain.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'nope' } }] } });
    expect(updateOf(await plain.next(isUpdate('nope'))).state).toBe('TASK_LOST');
    const aware = await c.scheduler({ name: 'aware', capabilities: [{ type: 'PARTITION_AWARE' }] });
    await aware.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'nope' } }] } });
    const u = updateOf(await aware.next(isUpdate('nope')));
    expect([u.state, u.reason, u.source]).toEqual(['TASK_UNKNOWN', 'REASON_RECONCILIATION', 'SOURCE_MASTER']);
  });

  it('ReconciliationTest.ImplicitNonTerminalTask', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'implicit' });
    await runToRunning(s, 'live');
    await s.call({ type: 'RECONCILE', reconcile: { tasks: [] } });
    const u = updateOf(await s.next(isUpdate('live')));
    expect([u.state, u.reason]).toEqual(['TASK_RUNNING', 'REASON_RECONCILIATION']);
  });
});

describe('master_tests', () => {
  it('MasterTest.KillUnknownTask', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'killer' });
    await s.call({ type: 'KILL', kill: { task_id: { value: 'ghost' } } });
    expect(updateOf(await s.next(isUpdate('ghost'))).state).toBe('TASK_LOST');
  });

  it('MasterTest.LaunchDuplicateOfferLost', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'dup' });
    const offer = offersOf(await s.next(isOffers))[0]!;
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id, offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('d', offer.agent_id.value)] } }] } });
    const u = updateOf(await s.next(isUpdate('d')));
    expect([u.state, u.reason]).toEqual(['TASK_LOST', 'REASON_INVALID_OFFERS']);
  });
});

describe('api_tests and command_executor_tests', () => {
  it('MasterAPITest.GetState / GetAgents / MarkRegisteredAgentGone', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'api' });
    const agentId = await runToRunning(s, 'on-agent');
    const state = await operatorGet(c.master, 'GET_STATE');
    const tasks = (state['get_state'] as { get_tasks: { tasks: { task_id: { value: string }; state: string }[] } }).get_tasks.tasks;
    expect(tasks.map((t) => [t.task_id.value, t.state])).toEqual([['on-agent', 'TASK_RUNNING']]);
    const agents = (await operatorGet(c.master, 'GET_AGENTS'))['get_agents'] as { agents: { agent_info: { id: { value: string } } }[] };
    expect(agents.agents.map((a) => a.agent_info.id.value)).toEqual([agentId]);
    expect((await operatorCall(c.master, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: agentId } } })).status).toBe(200);
    expect(updateOf(await s.next((e) => isUpdate('on-agent')(e) && updateOf(e).state !== 'TASK_RUNNING')).state).toBe('TASK_LOST');
  });

  it('CommandExecutorTest.NoTaskKillingCapability', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'nokilling' });
    await runToRunning(s, 'k');
    await s.call({ type: 'KILL', kill: { task_id: { value: 'k' } } });
    for (;;) {
      const u = updateOf(await s.next(isUpdate('k')));
      expect(u.state).not.toBe('TASK_KILLING');
      if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
      if (u.state === 'TASK_KILLED') break;
    }
  });
});
