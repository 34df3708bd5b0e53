import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadAclsError, isAllowed, parseAcls } from '../../src/security/acls.js';
import { freePort, stopAtEnd, tempDir, tsmesos, waitFor, waitForActiveAgent, type Proc } from '../helpers/process.js';
import { cli } from '../helpers/masters.js';
import { V1Scheduler, offersOf } from '../helpers/v1-client.js';

describe('ACLs (Mesos local authorizer model, deny by default)', () => {
  const acls = parseAcls({
    register_frameworks: [
      { principals: { values: ['fw1'] }, roles: { values: ['dev'] } },
      { principals: { type: 'ANY' }, roles: { type: 'NONE' } },
    ],
    run_tasks: [{ principals: { values: ['fw1'] }, users: { values: ['nobody'] } }],
    teardown_frameworks: [
      { principals: { values: ['op'] }, framework_principals: { values: ['fw1'] } },
      { principals: { type: 'NONE' }, framework_principals: { type: 'ANY' } },
    ],
  });

  it('the first matching rule decides; NONE denies; no matching rule denies unless permissive', () => {
    expect(isAllowed(acls, 'register_frameworks', 'fw1', 'dev')).toBe(true);
    expect(isAllowed(acls, 'register_frameworks', 'fw1', 'prod')).toBe(false); // the ANY/NONE rule
    expect(isAllowed(acls, 'register_frameworks', 'other', 'dev')).toBe(false);
    expect(isAllowed(acls, 'register_frameworks', undefined, 'dev')).toBe(false);
    expect(isAllowed(acls, 'run_tasks', 'fw1', 'nobody')).toBe(true);
    expect(isAllowed(acls, 'run_tasks', 'fw1', 'root')).toBe(false); // no rule: not permissive
    expect(isAllowed(acls, 'teardown_frameworks', 'op', 'fw1')).toBe(true);
    expect(isAllowed(acls, 'teardown_frameworks', 'op', undefined)).toBe(false); // a framework without a principal
    expect(isAllowed(acls, 'teardown_frameworks', 'admin', 'fw1')).toBe(false);
    const permissive = parseAcls({ permissive: true, run_tasks: [{ principals: { values: ['fw1'] }, users: { type: 'NONE' } }] });
    expect(isAllowed(permissive, 'run_tasks', 'fw1', 'root')).toBe(false);
    expect(isAllowed(permissive, 'run_tasks', 'fw2', 'root')).toBe(true);
    expect(isAllowed(parseAcls({}), 'run_tasks', 'fw2', 'root')).toBe(false);
  });

  it.each([
    [[], /expected object/],
    [{ permissive: 'yes' }, /acls.permissive/],
    [{ create_volumes: [] }, /supported actions: register_frameworks, teardown_frameworks, run_tasks, reserve_resources, .*mark_agents_gone/],
    [{ view_flags: [{ principals: { type: 'ANY' }, users: { type: 'ANY' } }] }, /acls.view_flags.0/],
    [{ run_tasks: [{ principals: { values: ['a'] } }] }, /acls.run_tasks.0.users/],
    [{ run_tasks: [{ principals: { values: [] }, users: { type: 'ANY' } }] }, /acls.run_tasks.0.principals/],
    [{ run_tasks: [{ principals: { type: 'SOME' }, users: { type: 'ANY' } }] }, /acls.run_tasks.0.principals/],
    [{ run_tasks: [{ principals: { type: 'ANY' }, users: { type: 'ANY' }, roles: { type: 'ANY' } }] }, /acls.run_tasks.0/],
  ])('refuses %j', (json, message) => {
    expect(() => parseAcls(json)).toThrow(BadAclsError);
    expect(() => parseAcls(json)).toThrow(message);
  });
});

describe('ACLs on a running cluster (up --role all, real processes)', () => {
  const dataDir = tempDir();
  let proc: Proc;
  let url = '';
  let fw1 = '';
  let op = '';
  let op2 = '';
  const basic = (name: string, secret: string): string => `Basic ${Buffer.from(`${name}:${secret}`).toString('base64')}`;
  const addPrincipal = async (name: string): Promise<string> => {
    const r = await cli(['principal', 'add', name, '--data-dir', dataDir, '--json']);
    expect(r.code, r.out).toBe(0);
    const secret = (JSON.parse(r.out.trim()) as { secret: string }).secret;
    return basic(name, secret);
  };

  beforeAll(async () => {
    const aclFile = path.join(tempDir(), 'acls.json');
    fs.writeFileSync(aclFile, JSON.stringify({
      register_frameworks: [{ principals: { values: ['fw1'] }, roles: { values: ['dev'] } }],
      run_tasks: [{ principals: { values: ['fw1'] }, users: { values: ['nobody'] } }],
      teardown_frameworks: [{ principals: { values: ['op'] }, framework_principals: { values: ['fw1'] } }],
    }));
    const port = await freePort();
    const agentPort = await freePort();
    url = `http://127.0.0.1:${port}`;
    proc = tsmesos(['up', '--role', 'all', '--data-dir', dataDir, '--port', String(port), '--agent-port', String(agentPort),
      '--authenticate-frameworks', 'true', '--authenticate-http-readwrite', 'true', '--acls', aclFile]);
    await waitForActiveAgent(url, 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${proc.output()}`);
    });
    await waitFor('the admin credential', () => (fs.existsSync(path.join(dataDir, 'master', 'tls', 'admin.json')) ? true : undefined));
    [fw1, op, op2] = [await addPrincipal('fw1'), await addPrincipal('op'), await addPrincipal('op2')];
  });
  afterAll(() => proc.kill('SIGTERM'));

  it('register_frameworks, run_tasks and teardown_frameworks: each allowed and denied (403 {code, message})', async () => {
    const denied = new V1Scheduler(url, { headers: { Authorization: fw1 } });
    stopAtEnd(() => Promise.resolve(denied.close()));
    await expect(denied.subscribe({ user: 'nobody', name: 'acl-prod', roles: ['prod'], capabilities: [{ type: 'MULTI_ROLE' }] })).rejects.toThrow(/SUBSCRIBE answered 403/);
    const raw = await fetch(`${url}/api/v1/scheduler`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: fw1 },
      body: JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'nobody', name: 'acl-prod', role: 'prod' } } }),
    });
    expect(raw.status).toBe(403);
    expect(await raw.json()).toEqual({ code: 'FORBIDDEN', message: "principal 'fw1' is not authorized to register a framework with role 'prod' (ACL register_frameworks)" });

    const s = new V1Scheduler(url, { headers: { Authorization: fw1 } });
    stopAtEnd(() => Promise.resolve(s.close()));
    const subscribed = await s.subscribe({ user: 'root', name: 'acl-dev', role: 'dev', failover_timeout: 3600 });
    const frameworkId = (subscribed as unknown as { subscribed: { framework_id: { value: string } } }).subscribed.framework_id.value;
    const offer = offersOf(await s.next((e) => e.type === 'OFFERS'))[0]!;
    const launch = (user: string | undefined, id: string): Record<string, unknown> => ({
      type: 'ACCEPT', framework_id: { value: frameworkId },
      accept: {
        offer_ids: [offer.id], filters: { refuse_seconds: 0 },
        operations: [{ type: 'LAUNCH', launch: { task_infos: [{
          name: id, task_id: { value: id }, agent_id: offer.agent_id, command: { shell: true, value: 'true', ...(user !== undefined ? { user } : {}) },
          resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
        }] } }],
      },
    });
    // The framework's user (root) is not allowed; a task's own user 'nobody' is.
    const asRoot = await s.call(launch(undefined, 'as-root'));
    expect(asRoot.status).toBe(403);
    expect(asRoot.text).toContain("not authorized to run tasks as user 'root'");
    const asNobody = await s.call(launch('nobody', 'as-nobody'));
    expect(asNobody.status).toBe(202);

    const teardown = (authorization: string): Promise<Response> => fetch(`${url}/api/v1`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: authorization },
      body: JSON.stringify({ type: 'TEARDOWN', teardown: { framework_id: { value: frameworkId } } }),
    });
    const byOp2 = await teardown(op2);
    expect(byOp2.status).toBe(403);
    expect(((await byOp2.json()) as { code: string }).code).toBe('FORBIDDEN');
    const legacy = await fetch(`${url}/master/teardown`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: op2 }, body: `frameworkId=${frameworkId}` });
    expect(legacy.status).toBe(403);
    expect((await teardown(op)).status).toBe(200);
    const state = (await (await fetch(`${url}/master/frameworks`)).json()) as { frameworks: { id: string }[] };
    expect(state.frameworks.map((f) => f.id)).not.toContain(frameworkId);
  });
});
