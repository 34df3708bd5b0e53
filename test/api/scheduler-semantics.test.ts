import { describe, expect, it } from 'vitest';
import { FakeContainerizer } from '../helpers/fake-containerizer.js';
import { simCluster } from '../helpers/sim-cluster.js';
import { V1Scheduler, isOffers, offersOf, updateOf, type Event, type Offer } from '../helpers/v1-client.js';

// Mesos scheduler semantics ported from scheduler_http_api_tests, master_tests and reconciliation_tests.
// Each test has its own in-process cluster (real master, agent, SQLite, loopback HTTP) on a manual
// clock: deadlines are checked on both sides (1 ms before: nothing, proven by a stream barrier;
// at the deadline: the event), and no test sleeps. Clients and cluster close when a test ends.

async function firstOffer(s: V1Scheduler): Promise<Offer> {
  return offersOf(await s.next(isOffers))[0]!;
}
const task = (id: string, agentId: string, cpus = 0.1, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: id, task_id: { value: id }, agent_id: { value: agentId }, command: { value: 'sleep 30' },
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: cpus } }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 } }], ...extra,
});
const launchCall = (offerIds: string[], tasks: Record<string, unknown>[], refuseSeconds = 0): Record<string, unknown> => ({
  type: 'ACCEPT', accept: { offer_ids: offerIds.map((value) => ({ value })), operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters: { refuse_seconds: refuseSeconds } },
});
const isUpdateFor = (id: string) => (e: Event): boolean => e.type === 'UPDATE' && updateOf(e).task_id.value === id;
const cpusOf = (o: Offer): number => o.resources?.find((r) => r.name === 'cpus')?.scalar?.value ?? 0;

/** Nothing matching `pred` was sent on the stream up to now (barrier first, then look). */
async function expectNone(s: V1Scheduler, pred: (e: Event) => boolean): Promise<void> {
  await s.barrier();
  expect(s.takeAll(pred).map((e) => e.type)).toEqual([]);
}

describe('scheduler semantics', () => {
  it('SUBSCRIBED carries the framework id, a 15 s heartbeat and master_info; HEARTBEAT comes every 15 s', async () => {
    const c = await simCluster();
    const s = c.client();
    const e = await s.subscribe({ user: 'u', name: 'hb' });
    const t0 = c.clock.monotonic();
    const sub = e['subscribed'] as { heartbeat_interval_seconds: number; master_info: { id: string; address: { port: number } } };
    expect(sub.heartbeat_interval_seconds).toBe(15);
    expect(sub.master_info.address.port).toBe(Number(new URL(c.master).port));
    expect(s.frameworkId.startsWith(sub.master_info.id)).toBe(true);
    const isHeartbeat = (x: Event): boolean => x.type === 'HEARTBEAT';
    for (let i = 1; i <= 2; i++) {
      await c.advanceTo(t0 + i * 15_000 - 1);
      await expectNone(s, isHeartbeat);
      await c.advance(1);
      await s.next(isHeartbeat);
    }
    await s.call({ type: 'TEARDOWN' });
  });

  it('a resubscription with the same id fails over: the old stream gets ERROR and closes', async () => {
    const c = await simCluster();
    const a = await c.scheduler({ name: 'fo', failover_timeout: 60 });
    const b = c.client();
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
    a.close();
    // A removed framework cannot come back.
    const r = c.client();
    const refused = await r.subscribe({ user: 'u', name: 'fo', id: { value: a.frameworkId } });
    expect(refused.type).toBe('ERROR');
    expect((refused['error'] as { message: string }).message).toBe('Framework has been removed');
  });

  it('a disconnected framework stays (inactive) for failover_timeout and is removed at it', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'fot', failover_timeout: 30 });
    s.close();
    const fw = async (): Promise<{ active?: boolean; removed: boolean }> => {
      const st = await c.state();
      return { active: st.frameworks.find((f) => f.id === s.frameworkId)?.active, removed: st.completed_frameworks.some((f) => f.id === s.frameworkId) };
    };
    await c.untilSettled('the master to see the stream close', async () => ((await fw()).active === false ? true : undefined));
    const t0 = c.clock.monotonic();
    await c.advanceTo(t0 + 30_000 - 1);
    expect(await fw()).toEqual({ active: false, removed: false });
    await c.advance(1);
    expect(await fw()).toEqual({ active: undefined, removed: true });
    const back = c.client();
    const refused = await back.subscribe({ user: 'u', name: 'fot', id: { value: s.frameworkId } });
    expect((refused['error'] as { message: string }).message).toBe('Framework has been removed');
  });

  it('the failover deadline survives a master failover: removed at the original deadline, not a new one', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'persisted', failover_timeout: 60 });
    const stays = await c.scheduler({ name: 'returns', failover_timeout: 60 });
    s.close();
    stays.close();
    const known = async (id: string): Promise<boolean> => (await c.state()).frameworks.some((f) => f.id === id);
    await c.untilSettled('the master to see both streams close', async () => {
      const st = await c.state();
      return st.frameworks.filter((f) => f.active).length === 0 ? true : undefined;
    });
    const t0 = c.clock.monotonic();
    await c.advanceTo(t0 + 20_000);
    // Failover: the leading master's process state is gone; the next one reads the registry.
    await c.stopMaster();
    await c.startMaster();
    const back = c.client();
    expect((await back.subscribe({ user: 'u', name: 'returns', failover_timeout: 60, id: { value: stays.frameworkId } })).type).toBe('SUBSCRIBED');
    await c.advanceTo(t0 + 60_000 - 1);
    expect(await known(s.frameworkId)).toBe(true);
    await c.advance(1);
    expect(await known(s.frameworkId)).toBe(false);
    const refused = await c.client().subscribe({ user: 'u', name: 'persisted', id: { value: s.frameworkId } });
    expect((refused['error'] as { message: string }).message).toBe('Framework has been removed');
    // The one that came back in time is kept, long after both deadlines.
    await c.advance(120_000);
    expect(await known(stays.frameworkId)).toBe(true);
  });

  it('invalid tasks get TASK_ERROR; invalid offers give TASK_DROPPED/LOST; unused resources come back', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'val', capabilities: [{ type: 'PARTITION_AWARE' }] });
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
    // The duplicate of 'ok' is refused, the first runs (a real process, posix containerizer).
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
  });

  it('resources left unused by an ACCEPT are offered again after refuse_seconds (at least the allocation interval)', async () => {
    const containerizer = new FakeContainerizer();
    const c = await simCluster({ containerizer });
    const s = await c.scheduler({ name: 'reoffer' });
    const offer = await firstOffer(s);
    const t0 = c.clock.monotonic();
    // refuse_seconds 0 still filters for one allocation interval (1 s), as Mesos does.
    await s.call(launchCall([offer.id.value], [task('t1', offer.agent_id.value, 0.5)], 0));
    await s.next((e) => isUpdateFor('t1')(e) && updateOf(e).state === 'TASK_STARTING');
    await c.advanceTo(t0 + 999);
    await expectNone(s, isOffers);
    await c.advance(1);
    const again = await firstOffer(s);
    expect(cpusOf(again)).toBeCloseTo(cpusOf(offer) - 0.5);
    // Declined with refuse_seconds 10: not before 10 s, then the same resources again.
    const t1 = c.clock.monotonic();
    await s.call({ type: 'DECLINE', decline: { offer_ids: [again.id], filters: { refuse_seconds: 10 } } });
    await c.advanceTo(t1 + 10_000 - 1);
    await expectNone(s, isOffers);
    await c.advance(1);
    expect(cpusOf(await firstOffer(s))).toBeCloseTo(cpusOf(again));
    expect(containerizer.containers()).toHaveLength(1);
    await s.call({ type: 'TEARDOWN' });
  });

  it('DECLINE filters an agent for refuse_seconds (5 s by default): no offer 1 ms before, one at it', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'decline' });
    for (const [filters, ms] of [[{ refuse_seconds: 30 }, 30_000], [undefined, 5_000]] as const) {
      const offer = await firstOffer(s);
      const t0 = c.clock.monotonic();
      expect((await s.call({ type: 'DECLINE', decline: { offer_ids: [offer.id], ...(filters ? { filters } : {}) } })).status).toBe(202);
      await c.advanceTo(t0 + ms - 1);
      await expectNone(s, isOffers);
      expect((await c.state()).frameworks.find((f) => f.id === s.frameworkId)?.offers).toEqual([]);
      await c.advance(1);
      s.events.unshift(await s.next(isOffers)); // back in the queue for the next round
    }
    await s.call({ type: 'TEARDOWN' });
  });

  it('REVIVE clears a DECLINE filter at once', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'revive' });
    const offer = await firstOffer(s);
    await s.call({ type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 3600 } } });
    await c.advance(60_000);
    await expectNone(s, isOffers);
    const t = c.clock.monotonic();
    expect((await s.call({ type: 'REVIVE' })).status).toBe(202);
    await s.next(isOffers);
    expect(c.clock.monotonic()).toBe(t); // no time had to pass
    await s.call({ type: 'TEARDOWN' });
  });

  it('a framework whose stream closed is not subscribed: 403', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'gone', failover_timeout: 600 });
    const streamId = s.streamId;
    s.close();
    await c.untilSettled('the master to see the stream close', async () => ((await c.state()).frameworks.find((f) => f.id === s.frameworkId)?.active === false ? true : undefined));
    const res = await c.fetch('/api/v1/scheduler', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'Mesos-Stream-Id': streamId },
      body: JSON.stringify({ type: 'REVIVE', framework_id: { value: s.frameworkId } }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('FORBIDDEN');
  });

  it('UPDATE_FRAMEWORK changes mutable fields (200) and refuses immutable ones (400)', async () => {
    const c = await simCluster({ agent: false });
    const s = await c.scheduler({ name: 'upd', failover_timeout: 5 });
    const base = { user: 'u', id: { value: s.frameworkId }, failover_timeout: 60 };
    const ok = await s.call({ type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: { ...base, name: 'renamed' } } });
    expect(ok.status).toBe(200);
    const state = (await (await c.fetch('/master/frameworks')).json()) as { frameworks: { id: string; name: string; failover_timeout: number }[] };
    const fw = state.frameworks.find((f) => f.id === s.frameworkId)!;
    expect([fw.name, fw.failover_timeout]).toEqual(['renamed', 60]);
    const bad = await s.call({ type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: { ...base, user: 'root', name: 'x' } } });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/'user' cannot be changed/);
    const wrongId = await s.call({ type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: { ...base, id: { value: 'other' }, name: 'x' } } });
    expect(wrongId.status).toBe(400);
    await s.call({ type: 'TEARDOWN' });
  });
});
