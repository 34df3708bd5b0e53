import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, stopAtEnd, tempDir, tsmesos, waitFor, type Proc } from '../helpers/process.js';
import { cli } from '../helpers/masters.js';
import { V1Scheduler, offersOf, updateOf } from '../helpers/v1-client.js';
import { operatorCall, type Json } from '../helpers/operator-client.js';

// Every Mesos ACL action this master enforces beyond register_frameworks / run_tasks /
// teardown_frameworks (test/security/acls.test.ts), each allowed and denied, on one real
// `up --role all` with --authenticate-http-readonly (reads need credentials too): what a
// principal may view is filtered out of the state reads, what it may not do is a 403
// {code, message} and changes nothing. The admin credential is not subject to ACLs.

const IP = '127.0.1.95';
const basic = (name: string, secret: string): string => `Basic ${Buffer.from(`${name}:${secret}`).toString('base64')}`;

describe('ACL actions on a running cluster (real processes)', () => {
  const dataDir = tempDir();
  let proc: Proc;
  let url = '';
  let admin = '';
  let viewer = '';
  let op = '';
  let outsider = '';
  let agentId = '';
  let fwRoot = '';
  let fwNobody = '';
  const as = (authorization: string): Record<string, string> => ({ Authorization: authorization });
  const call = (auth: string, body: Json): ReturnType<typeof operatorCall> => operatorCall(url, body, as(auth));
  const get = async (auth: string | undefined, p: string): Promise<{ status: number; body: unknown; headers: Headers }> => {
    const res = await fetch(`${url}${p}`, { headers: auth !== undefined ? as(auth) : {} });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body, headers: res.headers };
  };
  const addPrincipal = async (name: string): Promise<string> => {
    const r = await cli(['principal', 'add', name, '--data-dir', dataDir, '--json']);
    expect(r.code, r.out).toBe(0);
    return basic(name, (JSON.parse(r.out.trim()) as { secret: string }).secret);
  };

  beforeAll(async () => {
    const aclFile = path.join(tempDir(), 'acls.json');
    fs.writeFileSync(aclFile, JSON.stringify({
      register_frameworks: [{ principals: { type: 'ANY' }, roles: { type: 'ANY' } }],
      run_tasks: [{ principals: { type: 'ANY' }, users: { type: 'ANY' } }],
      view_frameworks: [{ principals: { values: ['viewer'] }, users: { values: ['root'] } }],
      view_tasks: [{ principals: { values: ['viewer'] }, users: { values: ['nobody'] } }],
      view_flags: [{ principals: { values: ['viewer'] }, flags: { type: 'ANY' } }],
      get_endpoints: [{ principals: { values: ['viewer'] }, paths: { values: ['/metrics/snapshot'] } }],
      view_roles: [{ principals: { values: ['viewer', 'op'] }, roles: { values: ['dev'] } }],
      update_weights: [{ principals: { values: ['op'] }, roles: { values: ['dev'] } }],
      update_quotas: [{ principals: { values: ['op'] }, roles: { values: ['dev'] } }],
      get_quotas: [{ principals: { values: ['op'] }, roles: { values: ['dev'] } }],
      update_maintenance_schedules: [{ principals: { values: ['op'] }, machines: { values: ['m1.example'] } }],
      get_maintenance_schedules: [{ principals: { values: ['viewer'] }, machines: { values: ['m1.example'] } }],
      get_maintenance_statuses: [{ principals: { values: ['viewer'] }, machines: { values: ['m1.example'] } }],
      deactivate_agents: [{ principals: { values: ['op'] }, agents: { type: 'ANY' } }],
      reactivate_agents: [{ principals: { values: ['op'] }, agents: { type: 'ANY' } }],
      mark_agents_gone: [{ principals: { type: 'ANY' }, agents: { type: 'NONE' } }],
      reserve_resources: [{ principals: { values: ['op'] }, roles: { values: ['dev'] } }],
      unreserve_resources: [{ principals: { values: ['op'] }, reserver_principals: { values: ['op'] } }],
    }));
    const port = await freePort(IP);
    const agentPort = await freePort(IP);
    url = `http://${IP}:${port}`;
    proc = tsmesos(['up', '--role', 'all', '--ip', IP, '--data-dir', dataDir, '--port', String(port), '--agent-port', String(agentPort),
      '--resources', 'cpus:2;mem:512;disk:512', '--authenticate-http-readonly', 'true', '--acls', aclFile]);
    const adminFile = path.join(dataDir, 'master', 'tls', 'admin.json');
    await waitFor('the admin credential', () => (fs.existsSync(adminFile) ? true : undefined), 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${proc.output()}`);
    });
    admin = `Bearer ${(JSON.parse(fs.readFileSync(adminFile, 'utf8')) as { token: string }).token}`;
    agentId = await waitFor('an active agent', async () => {
      const s = (await get(admin, '/master/state')).body as { slaves?: { id: string; active: boolean }[] };
      return s.slaves?.find((a) => a.active)?.id;
    }, 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${proc.output()}`);
    });
    [viewer, op, outsider] = [await addPrincipal('viewer'), await addPrincipal('op'), await addPrincipal('outsider')];

    // Two frameworks (users root and nobody); root's runs one task as itself and one as nobody.
    const s = new V1Scheduler(url, { headers: as(outsider) });
    stopAtEnd(() => Promise.resolve(s.close()));
    fwRoot = ((await s.subscribe({ user: 'root', name: 'acl-root', failover_timeout: 3600 })) as unknown as { subscribed: { framework_id: { value: string } } }).subscribed.framework_id.value;
    const offer = offersOf(await s.next((e) => e.type === 'OFFERS'))[0]!;
    const task = (id: string, user?: string): Json => ({
      name: id, task_id: { value: id }, agent_id: offer.agent_id, command: { shell: true, value: 'true', ...(user !== undefined ? { user } : {}) },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
    });
    const launched = await s.call({
      type: 'ACCEPT', framework_id: { value: fwRoot },
      accept: { offer_ids: [offer.id], filters: { refuse_seconds: 0 }, operations: [{ type: 'LAUNCH', launch: { task_infos: [task('as-root'), task('as-nobody', 'nobody')] } }] },
    });
    expect(launched.status, launched.text).toBe(202);
    await s.next((e) => e.type === 'UPDATE' && updateOf(e).task_id.value === 'as-nobody');
    const s2 = new V1Scheduler(url, { headers: as(outsider) });
    stopAtEnd(() => Promise.resolve(s2.close()));
    fwNobody = ((await s2.subscribe({ user: 'nobody', name: 'acl-nobody' })) as unknown as { subscribed: { framework_id: { value: string } } }).subscribed.framework_id.value;
  });
  afterAll(() => proc.kill('SIGTERM'));

  const taskIds = (tasks: { task_id?: { value: string }; id?: string }[]): string[] => tasks.map((t) => t.task_id?.value ?? t.id ?? '').sort();

  it('view_frameworks and view_tasks filter GET_STATE, GET_FRAMEWORKS, GET_TASKS by the framework and task users', async () => {
    const state = async (auth: string): Promise<{ fws: string[]; tasks: string[] }> => {
      const r = await call(auth, { type: 'GET_STATE' });
      expect(r.status, r.text).toBe(200);
      const g = (r.json!['get_state'] as Json);
      const fw = g['get_frameworks'] as { frameworks?: { framework_info: { id: { value: string } } }[] };
      const t = g['get_tasks'] as { tasks?: { task_id: { value: string } }[]; completed_tasks?: { task_id: { value: string } }[] };
      return { fws: (fw.frameworks ?? []).map((f) => f.framework_info.id.value).sort(), tasks: taskIds([...(t.tasks ?? []), ...(t.completed_tasks ?? [])]) };
    };
    expect(await state(admin)).toEqual({ fws: [fwRoot, fwNobody].sort(), tasks: ['as-nobody', 'as-root'] });
    expect(await state(viewer)).toEqual({ fws: [fwRoot], tasks: ['as-nobody'] });
    expect(await state(outsider)).toEqual({ fws: [], tasks: [] });
    const fws = await call(viewer, { type: 'GET_FRAMEWORKS' });
    expect(((fws.json!['get_frameworks'] as { frameworks: unknown[] }).frameworks)).toHaveLength(1);
    const tasks = await call(viewer, { type: 'GET_TASKS' });
    const gt = tasks.json!['get_tasks'] as { tasks?: { task_id: { value: string } }[]; completed_tasks?: { task_id: { value: string } }[] };
    expect(taskIds([...(gt.tasks ?? []), ...(gt.completed_tasks ?? [])])).toEqual(['as-nobody']);
    // The event stream shows everything: refused to who may not see it all.
    const sub = await call(viewer, { type: 'SUBSCRIBE' });
    expect([sub.status, sub.json?.['code']]).toEqual([403, 'FORBIDDEN']);
  });

  it('and the legacy state reads: /master/state (state.json), /master/frameworks, /master/tasks, /master/state-summary', async () => {
    type Fw = { id: string; tasks: { id: string }[]; completed_tasks: { id: string }[] };
    const legacy = async (auth: string, p: string): Promise<{ fws: string[]; tasks: string[] }> => {
      const r = await get(auth, p);
      expect(r.status).toBe(200);
      const fws = (r.body as { frameworks: Fw[] }).frameworks;
      return { fws: fws.map((f) => f.id).sort(), tasks: taskIds(fws.flatMap((f) => [...f.tasks, ...f.completed_tasks])) };
    };
    for (const p of ['/master/state', '/state.json', '/master/frameworks']) {
      expect(await legacy(admin, p), p).toEqual({ fws: [fwRoot, fwNobody].sort(), tasks: ['as-nobody', 'as-root'] });
      expect(await legacy(viewer, p), p).toEqual({ fws: [fwRoot], tasks: ['as-nobody'] });
      expect(await legacy(outsider, p), p).toEqual({ fws: [], tasks: [] });
    }
    const t = await get(viewer, '/master/tasks');
    expect(taskIds((t.body as { tasks: { id: string }[] }).tasks)).toEqual(['as-nobody']);
    expect(((await get(outsider, '/master/tasks')).body as { tasks: unknown[] }).tasks).toEqual([]);
    const summary = (await get(outsider, '/master/state-summary')).body as { frameworks: unknown[] };
    expect(summary.frameworks).toEqual([]);
  });

  it('view_flags: /master/flags, /flags and GET_FLAGS; the flags in /master/state only for who may view them', async () => {
    for (const p of ['/master/flags', '/flags']) {
      expect((await get(viewer, p)).status).toBe(200);
      const denied = await get(outsider, p);
      expect(denied.status).toBe(403);
      expect(denied.body).toEqual({ code: 'FORBIDDEN', message: "principal 'outsider' is not authorized to view the flags (ACL view_flags)" });
    }
    expect((await call(viewer, { type: 'GET_FLAGS' })).status).toBe(200);
    expect((await call(outsider, { type: 'GET_FLAGS' })).status).toBe(403);
    expect(((await get(viewer, '/master/state')).body as { flags: Json }).flags).toHaveProperty('role', 'all');
    expect(((await get(outsider, '/master/state')).body as { flags: Json }).flags).toEqual({});
  });

  it('get_endpoints: /metrics/snapshot and GET_METRICS by path', async () => {
    expect((await get(viewer, '/metrics/snapshot')).status).toBe(200);
    expect((await get(outsider, '/metrics/snapshot')).status).toBe(403);
    expect((await call(viewer, { type: 'GET_METRICS' })).status).toBe(200);
    expect((await call(outsider, { type: 'GET_METRICS' })).status).toBe(403);
    // /metrics (Prometheus) is another path: not granted to the viewer
    expect((await get(viewer, '/metrics')).status).toBe(403);
    expect((await get(admin, '/metrics')).status).toBe(200);
  });

  it('update_weights and view_roles: a role of the ACL allowed, another denied (unchanged); reads filtered', async () => {
    const weights = (auth: string, role: string): Promise<{ status: number }> => call(auth, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role, weight: 2 }] } });
    expect((await weights(op, 'dev')).status).toBe(200);
    const denied = await call(op, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'prod', weight: 3 }] } });
    expect([denied.status, denied.json?.['message']]).toEqual([403, "principal 'op' is not authorized to update the weight of role 'prod' (ACL update_weights)"]);
    expect((await weights(admin, 'prod')).status).toBe(200);
    const all = await call(admin, { type: 'GET_WEIGHTS' });
    expect((all.json!['get_weights'] as { weight_infos: { role: string; weight: number }[] }).weight_infos).toEqual([{ role: 'dev', weight: 2 }, { role: 'prod', weight: 2 }]);
    const seen = await call(viewer, { type: 'GET_WEIGHTS' });
    expect((seen.json!['get_weights'] as { weight_infos: { role: string }[] }).weight_infos.map((w) => w.role)).toEqual(['dev']);
    const roles = await call(viewer, { type: 'GET_ROLES' });
    expect((roles.json!['get_roles'] as { roles: { name: string }[] }).roles.map((r) => r.name)).toEqual(['dev']);
    expect(((await get(viewer, '/master/roles')).body as { roles: { name: string }[] }).roles.map((r) => r.name)).toEqual(['dev']);
    expect(((await get(outsider, '/master/weights')).body as unknown[])).toEqual([]);
  });

  it('update_quotas and get_quotas', async () => {
    const quota = (auth: string, role: string): ReturnType<typeof call> => call(auth, { type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role, guarantees: { cpus: { value: 0.1 } } }] } });
    expect((await quota(op, 'dev')).status).toBe(200);
    expect((await quota(op, 'prod')).status).toBe(403);
    expect((await call(op, { type: 'REMOVE_QUOTA', remove_quota: { role: 'prod' } })).status).toBe(403);
    expect((await quota(admin, 'prod')).status).toBe(200);
    const roles = async (auth: string): Promise<string[]> => ((await call(auth, { type: 'GET_QUOTA' })).json!['get_quota'] as { status: { infos?: { role: string }[] } }).status.infos?.map((i) => i.role) ?? [];
    expect(await roles(admin)).toEqual(['dev', 'prod']);
    expect(await roles(op)).toEqual(['dev']);
    expect(await roles(outsider)).toEqual([]);
  });

  it('maintenance: update_maintenance_schedules by machine; schedules and statuses filtered by machine', async () => {
    const window = (hosts: string[]): Json => ({ machine_ids: hosts.map((hostname) => ({ hostname, ip: '10.0.0.1' })), unavailability: { start: { nanoseconds: 4_000_000_000_000_000_000 } } });
    const schedule = (auth: string, hosts: string[]): ReturnType<typeof call> => call(auth, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [window(hosts)] } } });
    expect((await schedule(op, ['m1.example'])).status).toBe(200);
    const denied = await schedule(op, ['m1.example', 'm2.example']);
    expect([denied.status, denied.json?.['message']]).toEqual([403, "principal 'op' is not authorized to schedule maintenance of machine m2.example (ACL update_maintenance_schedules)"]);
    const legacyDenied = await fetch(`${url}/master/maintenance/schedule`, { method: 'POST', headers: { ...as(op), 'Content-Type': 'application/json' }, body: JSON.stringify({ windows: [window(['m2.example'])] }) });
    expect(legacyDenied.status).toBe(403);
    await legacyDenied.body?.cancel();
    expect((await schedule(admin, ['m1.example', 'm2.example'])).status).toBe(200);
    const hosts = async (auth: string): Promise<string[]> => {
      const r = await call(auth, { type: 'GET_MAINTENANCE_SCHEDULE' });
      return ((r.json!['get_maintenance_schedule'] as { schedule: { windows?: { machine_ids: { hostname: string }[] }[] } }).schedule.windows ?? []).flatMap((w) => w.machine_ids.map((m) => m.hostname));
    };
    expect(await hosts(admin)).toEqual(['m1.example', 'm2.example']);
    expect(await hosts(viewer)).toEqual(['m1.example']);
    expect(await hosts(outsider)).toEqual([]);
    const legacy = (await get(viewer, '/master/maintenance/schedule')).body as { windows: { machine_ids: { hostname: string }[] }[] };
    expect(legacy.windows.flatMap((w) => w.machine_ids.map((m) => m.hostname))).toEqual(['m1.example']);
    // start/stop maintenance: not granted to anyone but the admin here (deny by default)
    expect((await call(op, { type: 'START_MAINTENANCE', start_maintenance: { machines: [{ hostname: 'm1.example', ip: '10.0.0.1' }] } })).status).toBe(403);
    const down = await fetch(`${url}/master/machine/down`, { method: 'POST', headers: { ...as(op), 'Content-Type': 'application/json' }, body: JSON.stringify([{ hostname: 'm1.example', ip: '10.0.0.1' }]) });
    expect(down.status).toBe(403);
    await down.body?.cancel();
    expect((await call(admin, { type: 'START_MAINTENANCE', start_maintenance: { machines: [{ hostname: 'm2.example', ip: '10.0.0.1' }] } })).status).toBe(200);
    const status = async (auth: string): Promise<unknown> => (await call(auth, { type: 'GET_MAINTENANCE_STATUS' })).json!['get_maintenance_status'];
    expect(JSON.stringify(await status(admin))).toContain('m2.example');
    expect(JSON.stringify(await status(viewer))).not.toContain('m2.example');
  });

  it('agents: deactivate/reactivate allowed, mark gone refused to all (NONE), drain not granted (deny by default)', async () => {
    expect((await call(op, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: agentId } } })).status).toBe(200);
    expect((await call(op, { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: agentId } } })).status).toBe(200);
    const gone = await call(op, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: agentId } } });
    expect([gone.status, gone.json?.['code']]).toEqual([403, 'FORBIDDEN']);
    expect((await call(viewer, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: agentId } } })).status).toBe(403);
    expect((await call(op, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: agentId } } })).status).toBe(403);
    // nothing changed: the agent is still active and not draining
    const a = ((await get(admin, '/master/state')).body as { slaves: { id: string; active: boolean; deactivated: boolean }[] }).slaves.find((x) => x.id === agentId)!;
    expect([a.active, a.deactivated]).toEqual([true, false]);
  });

  it('reserve_resources by role, unreserve_resources by reserver principal (v1 and /master/reserve)', async () => {
    const res = (role: string): Json[] => [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, reservations: [{ type: 'DYNAMIC', role, principal: 'op' }] }];
    const reserve = (auth: string, role: string): ReturnType<typeof call> => call(auth, { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agentId }, resources: res(role) } });
    expect((await reserve(op, 'prod')).status).toBe(403);
    const form = new URLSearchParams({ slaveId: agentId, resources: JSON.stringify(res('prod')) }).toString();
    const legacy = await fetch(`${url}/master/reserve`, { method: 'POST', headers: { ...as(op), 'Content-Type': 'application/x-www-form-urlencoded' }, body: form });
    expect(legacy.status).toBe(403);
    await legacy.body?.cancel();
    const ok = await reserve(op, 'dev');
    expect(ok.status, ok.text).toBe(202);
    expect((await call(viewer, { type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id: { value: agentId }, resources: res('dev') } })).status).toBe(403);
    const un = await call(op, { type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id: { value: agentId }, resources: res('dev') } });
    expect(un.status, un.text).toBe(202);
  });

  it('--authenticate-http-readonly: reads without (right) credentials are 401 with the readonly realm; probes and the UI files stay open', async () => {
    for (const p of ['/master/state', '/state.json', '/master/frameworks', '/metrics/snapshot', '/master/flags', '/v2/apps', '/version']) {
      const r = await get(undefined, p);
      expect(r.status, p).toBe(401);
      expect(r.headers.get('www-authenticate'), p).toContain('Basic realm="mesos-master-readonly"');
      expect((r.body as { code: string }).code, p).toBe('UNAUTHORIZED');
    }
    for (const bad of [basic('viewer', 'wrong'), 'Bearer nope', 'Basic !!!', `Basic ${'A'.repeat(5000)}`, 'Digest x', '']) {
      const r = await get(bad, '/master/state');
      expect(r.status, bad.slice(0, 20)).toBe(401);
    }
    expect((await get(undefined, '/health')).status).toBe(200);
    expect((await get(undefined, '/')).status).toBe(200);
    // the operator API is read-write (Mesos): not asked for credentials by this switch alone
    expect((await operatorCall(url, { type: 'GET_HEALTH' })).status).toBe(200);
    // CLI reads send the data dir's admin credential (loopback)
    const p = tsmesos(['framework', 'ls', '--master', url], { env: { ...process.env, TSMESOS_DATA_DIR: dataDir } });
    expect((await p.exited).code, p.output()).toBe(0);
    expect(p.output()).toContain(fwNobody);
    const anonymous = tsmesos(['framework', 'ls', '--master', url], { env: { ...process.env, TSMESOS_DATA_DIR: tempDir() } });
    expect((await anonymous.exited).code).toBe(1);
    expect(anonymous.output()).toContain('master answered 401');
  });
});
