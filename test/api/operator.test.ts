import { describe, expect, it } from 'vitest';
import { simCluster } from '../helpers/sim-cluster.js';
import { isOffers, offersOf, updateOf } from '../helpers/v1-client.js';
import { launchRunning } from '../helpers/task-flows.js';
import { OperatorSubscriber, ofType, operatorCall, operatorGet, type Json } from '../helpers/operator-client.js';

// The operator API v1 (POST /api/v1) against a real master and agent over loopback HTTP, on a
// manual clock. Every answer is checked to be the canonical encoding of a master.proto Response,
// every streamed event of a master.proto Event.

const get = <T>(j: Json, ...path: string[]): T => path.reduce<unknown>((o, k) => (o as Json | undefined)?.[k], j) as T;

describe('operator API v1', () => {
  it('answers every GET call with a canonical Response of its type, showing a running task', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'op', roles: ['web'], capabilities: [{ type: 'MULTI_ROLE' }] });
    const agentId = await launchRunning(c, s, 't1');
    const types = ['GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_LOGGING_LEVEL', 'GET_STATE', 'GET_AGENTS', 'GET_FRAMEWORKS',
      'GET_EXECUTORS', 'GET_TASKS', 'GET_ROLES', 'GET_WEIGHTS', 'GET_MASTER', 'GET_MAINTENANCE_STATUS', 'GET_MAINTENANCE_SCHEDULE', 'GET_QUOTA', 'GET_OPERATIONS'];
    const r: Record<string, Json> = {};
    for (const t of types) r[t] = await operatorGet(c.master, t);
    expect(get(r['GET_HEALTH']!, 'get_health', 'healthy')).toBe(true);
    expect(get<{ name: string; value?: string }[]>(r['GET_FLAGS']!, 'get_flags', 'flags').map((f) => f.name)).toContain('port');
    expect(get(r['GET_VERSION']!, 'get_version', 'version_info', 'version')).toBe('1.11.0');
    const metrics = get<{ name: string; value: number }[]>(r['GET_METRICS']!, 'get_metrics', 'metrics');
    expect(metrics.find((m) => m.name === 'master/tasks_running')?.value).toBe(1);
    const tasks = get<Json[]>(r['GET_TASKS']!, 'get_tasks', 'tasks');
    expect(tasks.map((t) => [get(t, 'task_id', 'value'), t['state'], get(t, 'agent_id', 'value'), get(t, 'framework_id', 'value')])).toEqual([['t1', 'TASK_RUNNING', agentId, s.frameworkId]]);
    expect(get(r['GET_STATE']!, 'get_state', 'get_tasks')).toEqual(get(r['GET_TASKS']!, 'get_tasks'));
    const agents = get<Json[]>(r['GET_AGENTS']!, 'get_agents', 'agents');
    expect(agents.map((a) => [get(a, 'agent_info', 'id', 'value'), a['active'], a['deactivated']])).toEqual([[agentId, true, false]]);
    const fws = get<Json[]>(r['GET_FRAMEWORKS']!, 'get_frameworks', 'frameworks');
    expect(fws.map((f) => [get(f, 'framework_info', 'id', 'value'), f['active'], f['connected']])).toEqual([[s.frameworkId, true, true]]);
    expect(get<Json[]>(r['GET_ROLES']!, 'get_roles', 'roles').map((x) => [x['name'], x['weight']])).toEqual([['web', 1]]);
    expect(r['GET_WEIGHTS']).toEqual({ type: 'GET_WEIGHTS', get_weights: {} });
    expect(r['GET_QUOTA']).toEqual({ type: 'GET_QUOTA', get_quota: { status: {} } });
    expect(get(r['GET_MASTER']!, 'get_master', 'master_info', 'port')).toBe(Number(new URL(c.master).port));
  });

  it('SUBSCRIBE: SUBSCRIBED with the state, then FRAMEWORK_ADDED, TASK_ADDED, TASK_UPDATED, HEARTBEAT, TASK_UPDATED (killed) and FRAMEWORK_REMOVED on TEARDOWN, AGENT_ADDED', async () => {
    const c = await simCluster();
    const op = await OperatorSubscriber.open(c.master);
    expect(op.contentType).toBe('application/json');
    const subscribed = await op.next(ofType('SUBSCRIBED'));
    expect(get(subscribed, 'subscribed', 'heartbeat_interval_seconds')).toBe(15);
    expect(get<Json[]>(subscribed, 'subscribed', 'get_state', 'get_agents', 'agents')).toHaveLength(1);
    const s = await c.scheduler({ name: 'watched' });
    expect(get(await op.next(ofType('FRAMEWORK_ADDED')), 'framework_added', 'framework', 'framework_info', 'id', 'value')).toBe(s.frameworkId);
    await launchRunning(c, s, 'w1');
    const added = await op.next(ofType('TASK_ADDED'));
    expect([get(added, 'task_added', 'task', 'task_id', 'value'), get(added, 'task_added', 'task', 'state')]).toEqual(['w1', 'TASK_STAGING']);
    const running = await op.next((e) => e['type'] === 'TASK_UPDATED' && get(e, 'task_updated', 'state') === 'TASK_RUNNING');
    expect(get(running, 'task_updated', 'status', 'task_id', 'value')).toBe('w1');
    expect(get(running, 'task_updated', 'framework_id', 'value')).toBe(s.frameworkId);
    await c.advance(15_000);
    await op.next(ofType('HEARTBEAT'));
    expect((await operatorCall(c.master, { type: 'TEARDOWN', teardown: { framework_id: { value: s.frameworkId } } })).status).toBe(200);
    const killed = await op.next((e) => e['type'] === 'TASK_UPDATED' && get(e, 'task_updated', 'state') === 'TASK_KILLED');
    expect([get(killed, 'task_updated', 'status', 'task_id', 'value'), get(killed, 'task_updated', 'status', 'reason')]).toEqual(['w1', 'REASON_FRAMEWORK_REMOVED']);
    expect(get(await op.next(ofType('FRAMEWORK_REMOVED')), 'framework_removed', 'framework_info', 'id', 'value')).toBe(s.frameworkId);
    const completed = get<Json[]>(await operatorGet(c.master, 'GET_FRAMEWORKS'), 'get_frameworks', 'completed_frameworks');
    expect(completed.map((f) => get(f, 'framework_info', 'id', 'value'))).toEqual([s.frameworkId]);
    // The agent restarts under its id: it is added again (reregistered).
    const agentId = await c.agentId();
    await c.stopAgent();
    await c.startAgent();
    expect(get(await op.next(ofType('AGENT_ADDED')), 'agent_added', 'agent', 'agent_info', 'id', 'value')).toBe(agentId);
  });

  it('a master that stops leading ends its SUBSCRIBE streams (subscribers reconnect to the next leader)', async () => {
    const c = await simCluster({ agent: false });
    const op = await OperatorSubscriber.open(c.master);
    await op.next(ofType('SUBSCRIBED'));
    await c.stopMaster();
    await c.untilSettled('the stream to end', () => (op.ended ? true : undefined));
  });

  it('SUBSCRIBE with Accept: application/recordio gets that framing header', async () => {
    const c = await simCluster({ agent: false });
    const op = await OperatorSubscriber.open(c.master, { Accept: 'application/recordio', 'Message-Accept': 'application/json' });
    expect(op.contentType).toBe('application/recordio');
    await op.next(ofType('SUBSCRIBED'));
  });

  it('DEACTIVATE_AGENT stops offers (outstanding ones are rescinded), REACTIVATE_AGENT brings them back', async () => {
    const c = await simCluster();
    const s = await c.scheduler({ name: 'deact' });
    const offer = offersOf(await s.next(isOffers))[0]!;
    const agentId = offer.agent_id.value;
    expect((await operatorCall(c.master, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: agentId } } })).status).toBe(200);
    await s.next((e) => e.type === 'RESCIND');
    const agents = get<Json[]>(await operatorGet(c.master, 'GET_AGENTS'), 'get_agents', 'agents');
    expect(agents[0]!['deactivated']).toBe(true);
    const legacy = (await (await c.fetch('/master/state')).json()) as { deactivated_slaves: number; slaves: { deactivated: boolean }[] };
    expect([legacy.deactivated_slaves, legacy.slaves[0]!.deactivated]).toEqual([1, true]);
    await c.advance(5_000);
    await s.barrier();
    expect(s.takeAll(isOffers)).toEqual([]);
    expect((await operatorCall(c.master, { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: agentId } } })).status).toBe(200);
    await c.advance(1_000);
    expect(offersOf(await s.next(isOffers))[0]!.agent_id.value).toBe(agentId);
    expect((await operatorCall(c.master, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: 'nope' } } })).status).toBe(400);
  });

  it('MARK_AGENT_GONE: AGENT_REMOVED, its tasks TASK_GONE_BY_OPERATOR (TASK_LOST for others), the agent leaves GET_AGENTS', async () => {
    const c = await simCluster();
    const op = await OperatorSubscriber.open(c.master);
    const s = await c.scheduler({ name: 'gone', capabilities: [{ type: 'PARTITION_AWARE' }] });
    const agentId = await launchRunning(c, s, 'g1');
    expect((await operatorCall(c.master, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: agentId } } })).status).toBe(200);
    expect(get(await op.next(ofType('AGENT_REMOVED')), 'agent_removed', 'agent_id', 'value')).toBe(agentId);
    const u = updateOf(await s.next((e) => e.type === 'UPDATE' && updateOf(e).state !== 'TASK_RUNNING'));
    expect([u.state, u.reason]).toEqual(['TASK_GONE_BY_OPERATOR', 'REASON_AGENT_REMOVED_BY_OPERATOR']);
    const agents = get<Json[] | undefined>(await operatorGet(c.master, 'GET_AGENTS'), 'get_agents', 'agents') ?? [];
    expect(agents.map((a) => get(a, 'agent_info', 'id', 'value'))).not.toContain(agentId);
    expect((await operatorCall(c.master, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: agentId } } })).status).toBe(404);
  });

  it('status codes: 405, 400, 415, 406, 413, unknown types and enum values; errors are {code, message}', async () => {
    const c = await simCluster({ agent: false });
    const url = new URL('/api/v1', c.master);
    expect((await fetch(url)).status).toBe(405);
    const cases: [string, Record<string, string>, string, number][] = [
      ['no content type', {}, '{"type":"GET_STATE"}', 400],
      ['protobuf', { 'Content-Type': 'application/x-protobuf' }, '\u0008\u0009', 415],
      ['text', { 'Content-Type': 'text/plain' }, '{"type":"GET_STATE"}', 415],
      ['accept html', { 'Content-Type': 'application/json', Accept: 'text/html' }, '{"type":"GET_STATE"}', 406],
      ['malformed', { 'Content-Type': 'application/json' }, '{"type":', 400],
      ['unknown type', { 'Content-Type': 'application/json' }, '{"type":"GET_EVERYTHING"}', 400],
      ['UNKNOWN', { 'Content-Type': 'application/json' }, '{"type":"UNKNOWN"}', 400],
      ['no type', { 'Content-Type': 'application/json' }, '{}', 400],
      ['array', { 'Content-Type': 'application/json' }, '[1,2]', 400],
      ['missing payload', { 'Content-Type': 'application/json' }, '{"type":"TEARDOWN"}', 400],
      ['unknown framework', { 'Content-Type': 'application/json' }, '{"type":"TEARDOWN","teardown":{"framework_id":{"value":"x"}}}', 400],
      ['not yet', { 'Content-Type': 'application/json' }, '{"type":"START_MAINTENANCE","start_maintenance":{}}', 400],
      ['oversized', { 'Content-Type': 'application/json' }, JSON.stringify({ type: 'GET_STATE', pad: 'x'.repeat(2 * 1024 * 1024) }), 413],
    ];
    for (const [name, headers, body, status] of cases) {
      const r = await fetch(url, { method: 'POST', headers, body: new TextEncoder().encode(body) }); // bytes: fetch adds no Content-Type
      const json = (await r.json()) as { code?: unknown; message?: unknown };
      expect([name, r.status], JSON.stringify(json)).toEqual([name, status]);
      expect(typeof json.code === 'string' && typeof json.message === 'string', name).toBe(true);
    }
  });
});
