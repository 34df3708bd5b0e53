// The agent's operator API v1 (POST /api/v1 on the agent port, include/mesos/v1/agent/agent.proto) and its
// metrics (/metrics/snapshot, Prometheus /metrics), against a real `tsmesos up --role all` process: a real
// master, a real agent with the posix containerizer, real tasks. Every answer is checked to be the canonical
// encoding of an agent.proto Response of its type; hostile bodies and paths are 4xx {code, message}.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentOperatorResponse } from '../../src/wire/agent-operator.js';
import { getJson, startAllInOne, tempDir, waitFor, type Proc } from '../helpers/process.js';
import { operatorCall, type Json } from '../helpers/operator-client.js';
import { offersOf, updateOf, V1Scheduler, type Event, type Offer } from '../helpers/v1-client.js';
import { wireProblem } from '../helpers/wire-check.js';
import { seededRng, type Rng } from '../../src/lib/rng.js';

// Structural fuzzing of the agent's /api/v1, as test/api/fuzz.test.ts does for the master's endpoints.
const SEED = Number(process.env['FUZZ_SEED'] ?? 20261202);
const HOSTILE_STRINGS = ['', '..', '/etc/passwd', 'a/../b', '\u0000', '\u202e', '$(reboot)', '%s%n', 'x'.repeat(5000), '{"a":', '🙂', 'NaN', '-1', 'GET_STATE', '/'];
const HOSTILE_NUMBERS = [0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.1, 65536, Number.MIN_VALUE, 2 ** 64];
function randomValue(rng: Rng, depth: number): unknown {
  const pick = Math.floor(rng.next() * (depth > 3 ? 5 : 7));
  if (pick === 0) return HOSTILE_STRINGS[Math.floor(rng.next() * HOSTILE_STRINGS.length)];
  if (pick === 1) return HOSTILE_NUMBERS[Math.floor(rng.next() * HOSTILE_NUMBERS.length)];
  if (pick === 2) return rng.next() < 0.5;
  if (pick === 3) return null;
  if (pick === 4) return undefined;
  if (pick === 5) return Array.from({ length: Math.floor(rng.next() * 4) }, () => randomValue(rng, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < Math.floor(rng.next() * 4); i++) o[String(HOSTILE_STRINGS[Math.floor(rng.next() * 5)]) + i] = randomValue(rng, depth + 1);
  return o;
}
/** Replaces, deletes or adds one field somewhere in `v` (a copy). */
function mutate(rng: Rng, v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return randomValue(rng, 0);
  const copy = (Array.isArray(v) ? [...(v as unknown[])] : { ...(v as Record<string, unknown>) }) as Record<string, unknown>;
  const keys = Object.keys(copy);
  const key = keys.length > 0 && rng.next() < 0.8 ? keys[Math.floor(rng.next() * keys.length)]! : `extra${Math.floor(rng.next() * 10)}`;
  const r = rng.next();
  if (r < 0.4 && typeof copy[key] === 'object' && copy[key] !== null) copy[key] = mutate(rng, copy[key]);
  else if (r < 0.6) delete copy[key];
  else copy[key] = randomValue(rng, 1);
  return copy;
}

const get = <T>(j: unknown, ...keys: string[]): T => keys.reduce<unknown>((o, k) => (o as Json | undefined)?.[k], j) as T;
const resources = [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }];

describe('agent operator API v1 and metrics (real master and agent processes)', () => {
  let proc: Proc;
  let agent = '';
  let fw: V1Scheduler;
  let agentId = '';
  const acked = new Set<string>();
  const states: Record<string, string[]> = {};

  /** Drains the framework's updates, acknowledging each. */
  const drain = async (): Promise<void> => {
    for (const e of fw.takeAll((x: Event) => x.type === 'UPDATE')) {
      const u = updateOf(e);
      (states[u.task_id.value] ??= []).push(u.state);
      if (u.uuid !== undefined) {
        await fw.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
        acked.add(`${u.task_id.value}/${u.state}`);
      }
    }
  };
  const until = async (what: string, pred: () => boolean): Promise<void> => {
    await waitFor(what, async () => {
      await drain();
      return pred() ? true : undefined;
    }, 30_000, 50);
  };

  /** A call expected to answer 200 with a canonical Response of its own type. */
  const call = async (type: string, extra: Json = {}): Promise<Json> => {
    const r = await operatorCall(agent, { type, ...extra });
    if (r.status !== 200 || r.json === null) throw new Error(`${type} answered ${r.status}: ${r.text.slice(0, 300)}`);
    const problem = wireProblem(AgentOperatorResponse, r.json);
    if (problem !== null) throw new Error(`${type}: ${problem}`);
    expect(r.json['type']).toBe(type);
    return r.json;
  };
  /** A call expected to fail with `status` and a one-line {code, message}. */
  const refused = async (body: unknown, status: number, headers: Record<string, string> = {}): Promise<string> => {
    const r = await operatorCall(agent, body, headers);
    expect(r.status, r.text).toBe(status);
    expect(Object.keys(r.json ?? {}).sort()).toEqual(['code', 'message']);
    return String(r.json!['message']);
  };
  const metric = async (name: string): Promise<number | undefined> => {
    const m = get<{ name: string; value?: number }[]>(await call('GET_METRICS'), 'get_metrics', 'metrics');
    const hit = m.find((x) => x.name === name);
    return hit === undefined ? undefined : hit.value ?? 0;
  };
  const sandboxOf = async (taskId: string): Promise<string> => {
    const s = (await getJson(`${agent}/state`)).body as { frameworks: { executors: { id: string; directory: string }[]; completed_executors: { id: string; directory: string }[] }[] };
    const all = s.frameworks.flatMap((f) => [...f.executors, ...f.completed_executors]);
    const e = all.find((x) => x.id === taskId);
    if (!e) throw new Error(`no executor ${taskId} in the agent's /state`);
    return e.directory;
  };
  const containerOf = async (taskId: string): Promise<string> => {
    const tasks = get<Json>(await call('GET_TASKS'), 'get_tasks');
    const all = Object.values(tasks).flat() as Json[];
    const t = all.find((x) => get(x, 'task_id', 'value') === taskId);
    const id = get<string | undefined>(get<Json[]>(t, 'statuses')?.[0], 'container_status', 'container_id', 'value');
    if (id === undefined) throw new Error(`no container id for ${taskId}`);
    return id;
  };

  beforeAll(async () => {
    const dataDir = tempDir();
    const c = await startAllInOne(dataDir, ['--agent-tls', 'optional', '--marathon-port', '0', '--resources', 'cpus:2;mem:1024;disk:1024;ports:[31000-31010]']);
    proc = c.proc;
    agent = c.agent;
    fw = new V1Scheduler(c.master);
    await fw.subscribe({ user: 'root', name: 'agent-operator-test' });
    const offer = offersOf<Offer>(await fw.next((e) => e.type === 'OFFERS'))[0]!;
    agentId = offer.agent_id.value;
    const task = (id: string, value: string): Json => ({ name: id, task_id: { value: id }, agent_id: offer.agent_id, command: { shell: true, value }, resources });
    const r = await fw.call({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('sleeper', 'echo hello; exec sleep 300'), task('quick', 'echo done; exit 3')] } }] },
    });
    expect(r.status).toBe(202);
    await until('sleeper running and quick failed, acknowledged', () => acked.has('sleeper/TASK_RUNNING') && acked.has('quick/TASK_FAILED'));
  }, 60_000);
  afterAll(async () => {
    fw?.close();
    proc?.kill('SIGTERM');
    await proc?.exited;
  });

  it('answers every GET call with a canonical Response of its type, showing the tasks, executors, containers and agent', async () => {
    expect(get(await call('GET_HEALTH'), 'get_health', 'healthy')).toBe(true);
    const flags = get<{ name: string; value?: string }[]>(await call('GET_FLAGS'), 'get_flags', 'flags');
    expect(flags.find((f) => f.name === 'role')?.value).toBe('all');
    expect(get(await call('GET_VERSION'), 'get_version', 'version_info', 'version')).toBe('1.11.0');
    expect(get(await call('GET_LOGGING_LEVEL'), 'get_logging_level', 'level')).toBe(0);
    expect(get(await call('GET_OPERATIONS'), 'get_operations')).toEqual({});

    // The terminal update of `quick` was acknowledged: completed, not terminated.
    const tasks = await waitFor('quick to be completed', async () => {
      const t = get<Json>(await call('GET_TASKS'), 'get_tasks');
      return (t['completed_tasks'] as Json[] | undefined)?.length === 1 ? t : undefined;
    });
    const ids = (k: string): string[] => ((tasks[k] as Json[] | undefined) ?? []).map((t) => get<string>(t, 'task_id', 'value'));
    expect([ids('launched_tasks'), ids('completed_tasks'), ids('terminated_tasks'), ids('queued_tasks')]).toEqual([['sleeper'], ['quick'], [], []]);
    const sleeper = (tasks['launched_tasks'] as Json[])[0]!;
    expect([sleeper['state'], get(sleeper, 'agent_id', 'value'), get(sleeper, 'framework_id', 'value')]).toEqual(['TASK_RUNNING', agentId, fw.frameworkId]);
    expect(get<Json[]>(sleeper, 'statuses').map((s) => s['state'])).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
    const quick = (tasks['completed_tasks'] as Json[])[0]!;
    expect([quick['state'], get<Json[]>(quick, 'statuses').at(-1)?.['reason']]).toEqual(['TASK_FAILED', 'REASON_COMMAND_EXECUTOR_FAILED']);

    const executors = get<Json>(await call('GET_EXECUTORS'), 'get_executors');
    expect((executors['executors'] as Json[]).map((e) => get(e, 'executor_info', 'executor_id', 'value'))).toEqual(['sleeper']);
    expect((executors['completed_executors'] as Json[]).map((e) => get(e, 'executor_info', 'executor_id', 'value'))).toEqual(['quick']);
    const fws = get<Json[]>(await call('GET_FRAMEWORKS'), 'get_frameworks', 'frameworks');
    expect(fws.map((f) => [get(f, 'framework_info', 'id', 'value'), get(f, 'framework_info', 'name')])).toEqual([[fw.frameworkId, 'agent-operator-test']]);
    const state = get<Json>(await call('GET_STATE'), 'get_state');
    expect(Object.keys(state).sort()).toEqual(['get_executors', 'get_frameworks', 'get_tasks']);
    expect(state['get_tasks']).toEqual(tasks);

    const info = get<Json>(await call('GET_AGENT'), 'get_agent', 'agent_info');
    expect([get(info, 'id', 'value'), info['port']]).toEqual([agentId, Number(new URL(agent).port)]);
    expect((info['resources'] as Json[]).find((r) => r['name'] === 'cpus')).toMatchObject({ type: 'SCALAR', scalar: { value: 2 } });

    // The running task's container, measured by its containerizer.
    const container = await waitFor('the container to be measured', async () => {
      const cs = get<Json[]>(await call('GET_CONTAINERS'), 'get_containers', 'containers') ?? [];
      return cs.length === 1 && get<number>(cs[0], 'resource_statistics', 'mem_rss_bytes') > 0 ? cs[0] : undefined;
    });
    expect([get(container, 'executor_id', 'value'), get(container, 'framework_id', 'value')]).toEqual(['sleeper', fw.frameworkId]);
    expect(get(container, 'container_id', 'value')).toBe(await containerOf('sleeper'));
    expect(get<number>(container, 'resource_statistics', 'timestamp')).toBeGreaterThan(0);
    // The container's process: the task (the shell exec'd `sleep 300`).
    const pid = get<number>(container, 'container_status', 'executor_pid');
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain('300');
  });

  it('LIST_FILES and READ_FILE read a sandbox the way /files does, 16 pages at most per read', async () => {
    const sandbox = await sandboxOf('sleeper');
    const files = get<Json[]>(await call('LIST_FILES', { list_files: { path: sandbox } }), 'list_files', 'file_infos');
    const stdout = files.find((f) => f['path'] === path.join(sandbox, 'stdout'));
    expect(stdout).toMatchObject({ size: 6, nlink: 1 });
    expect((Number(stdout!['mode']) & 0o170000) === 0o100000).toBe(true); // S_IFREG
    expect(get<number>(stdout, 'mtime', 'nanoseconds')).toBeGreaterThan(0);
    // A file's own entry.
    expect(get<Json[]>(await call('LIST_FILES', { list_files: { path: path.join(sandbox, 'stdout') } }), 'list_files', 'file_infos').map((f) => f['path'])).toEqual([path.join(sandbox, 'stdout')]);

    const read = async (body: Json): Promise<{ size: number; data: string }> => {
      const r = get<{ size: number; data?: string }>(await call('READ_FILE', { read_file: body }), 'read_file');
      return { size: r.size, data: Buffer.from(r.data ?? '', 'base64').toString('utf8') };
    };
    const out = path.join(sandbox, 'stdout');
    expect(await read({ path: out, offset: 0 })).toEqual({ size: 6, data: 'hello\n' });
    expect(await read({ path: out, offset: '1', length: '3' })).toEqual({ size: 6, data: 'ell' });
    expect(await read({ path: out, offset: 6 })).toEqual({ size: 6, data: '' });
    expect(await read({ path: out, offset: 1_000_000 })).toEqual({ size: 6, data: '' });
    expect(await read({ path: out, offset: 0, length: 0 })).toEqual({ size: 6, data: '' });
    // A huge length is capped at 16 pages (Mesos).
    const big = path.join(sandbox, 'big');
    fs.writeFileSync(big, Buffer.alloc(200_000, 'x'));
    const chunk = await read({ path: big, offset: 0, length: Number.MAX_SAFE_INTEGER });
    expect([chunk.size, chunk.data.length]).toEqual([200_000, 65_536]);
  });

  it('WAIT_CONTAINER reports how a container ended; KILL_CONTAINER kills a task (TASK_KILLED), then cannot find it', async () => {
    const quick = await containerOf('quick');
    expect(get(await call('WAIT_CONTAINER', { wait_container: { container_id: { value: quick } } }), 'wait_container')).toMatchObject({ exit_status: 3 << 8, state: 'TASK_FAILED', reason: 'REASON_COMMAND_EXECUTOR_FAILED' });
    const sleeper = await containerOf('sleeper');
    // WAIT first (it answers when the container ends), then KILL with SIGKILL.
    const waiting = operatorCall(agent, { type: 'WAIT_CONTAINER', wait_container: { container_id: { value: sleeper } } });
    const kill = await operatorCall(agent, { type: 'KILL_CONTAINER', kill_container: { container_id: { value: sleeper }, signal: 9 } });
    expect([kill.status, kill.text]).toEqual([200, '']);
    const waited = await waiting;
    expect(waited.status).toBe(200);
    expect(wireProblem(AgentOperatorResponse, waited.json)).toBeNull();
    const end = get<Json>(waited.json, 'wait_container');
    expect(end['state']).toBe('TASK_KILLED');
    // Killed by a signal: the wait status is its number (the containerizer's SIGTERM, then SIGKILL at once for signal 9).
    expect([9, 15]).toContain(end['exit_status']);
    await until('the framework to hear TASK_KILLED', () => acked.has('sleeper/TASK_KILLED'));
    expect(states['sleeper']).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
    expect(await refused({ type: 'KILL_CONTAINER', kill_container: { container_id: { value: sleeper } } }, 404)).toContain('cannot be found');
    expect(await refused({ type: 'WAIT_CONTAINER', wait_container: { container_id: { value: 'no-such-container' } } }, 404)).toContain('cannot be found');
  });

  it('counts tasks and resources under Mesos names in GET_METRICS, /metrics/snapshot and Prometheus /metrics', async () => {
    await waitFor('the kill to be counted', async () => ((await metric('slave/tasks_killed')) === 1 ? true : undefined));
    const snapshot = (await getJson(`${agent}/metrics/snapshot`)).body as Record<string, number>;
    expect(snapshot).toMatchObject({
      'slave/registered': 1, 'slave/tasks_running': 0, 'slave/tasks_failed': 1, 'slave/tasks_killed': 1, 'slave/tasks_finished': 0,
      'slave/executors_terminated': 2, 'slave/cpus_total': 2, 'slave/cpus_used': 0, 'slave/mem_total': 1024, 'slave/frameworks_active': 1,
      'slave/container_launch_errors': 0, 'containerizer/fetcher/task_fetches_failed': 0,
      // STARTING, RUNNING and FAILED of quick; STARTING, RUNNING and KILLED of sleeper.
      'slave/valid_status_updates': 6,
      // Both sandboxes wait for the sandbox gc (--gc-delay 1weeks).
      'gc/path_removals_succeeded': 0, 'gc/path_removals_pending': 2,
    });
    // The default --gc-delay (1 week), shrunk by the default headroom (0.1) and the disk's usage.
    const maxAge = snapshot['slave/executor_directory_max_allowed_age_secs']!;
    expect(maxAge).toBeGreaterThanOrEqual(0);
    expect(maxAge).toBeLessThanOrEqual(0.9 * 7 * 24 * 3600);
    expect(snapshot['slave/uptime_secs']).toBeGreaterThan(0);
    expect(snapshot['slave/recovery_time_secs']).toBeGreaterThanOrEqual(0);
    const text = await (await fetch(`${agent}/metrics`)).text();
    expect(text).toMatch(/^mesos_slave_tasks_killed 1$/m);
    expect(text).toMatch(/^mesos_slave_cpus_total 2$/m);
    expect(text).toMatch(/^mesos_gc_path_removals_pending 2$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('refuses malformed, oversized and hostile calls with 4xx {code, message}, and stays up', async () => {
    expect(await refused('{"type":', 400)).toContain('malformed JSON');
    expect(await refused('', 400)).toContain('missing request body');
    expect(await refused('[]', 400)).toContain('call');
    expect(await refused('"GET_HEALTH"', 400)).toContain('call');
    expect(await refused(`${'['.repeat(600_000)}${']'.repeat(600_000)}`, 413)).toContain('larger than');
    expect(await refused(`${'['.repeat(100_000)}`, 400)).toContain('malformed JSON');
    expect(await refused({ type: 'GET_HEALTH', pad: 'x'.repeat(2 * 1024 * 1024) }, 413)).toContain('larger than');
    expect(await refused({}, 400)).toContain("Expecting 'type'");
    expect(await refused({ type: 'UNKNOWN' }, 400)).toContain('UNKNOWN');
    expect(await refused({ type: 'NO_SUCH_CALL' }, 400)).toContain('call.type');
    expect(await refused({ type: 42 }, 400)).toContain('call.type');
    expect(await refused({ type: 'READ_FILE' }, 400)).toContain("'read_file'");
    expect(await refused({ type: 'LIST_FILES', list_files: {} }, 400)).toContain('call.list_files.path');
    expect(await refused({ type: 'READ_FILE', read_file: { path: '/x', offset: 1.5 } }, 400)).toContain('call.read_file.offset');
    expect(await refused({ type: 'KILL_CONTAINER', kill_container: { container_id: { value: 'x' }, signal: 1 } }, 400)).toContain('SIGTERM');
    expect(await refused({ type: 'LAUNCH_CONTAINER' }, 400)).toContain('not implemented');
    expect(await refused({ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 1, duration: { nanoseconds: 0 } } }, 400)).toContain('duration');
    expect(await refused({ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 101, duration: { nanoseconds: 1e9 } } }, 400)).toContain('out of range');
    // The agent's own verbosity (one process under --role all: the master's too, as glog's in Mesos).
    expect((await operatorCall(agent, { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 2, duration: { nanoseconds: 60e9 } } })).status).toBe(200);
    expect(get<number>(await call('GET_LOGGING_LEVEL'), 'get_logging_level', 'level')).toBe(2);
    expect(await (await fetch(`${agent}/logging/toggle`)).text()).toBe('2\n');
    expect((await fetch(`${agent}/logging/toggle?level=0&duration=1secs`)).status).toBe(200);
    expect(get<number>(await call('GET_LOGGING_LEVEL'), 'get_logging_level', 'level')).toBe(0);
    // Content negotiation, method.
    expect(await refused({ type: 'GET_HEALTH' }, 415, { 'Content-Type': 'application/x-protobuf' })).toContain('protobuf');
    expect(await refused({ type: 'GET_HEALTH' }, 415, { 'Content-Type': 'text/plain' })).toContain('Content-Type');
    expect(await refused({ type: 'GET_HEALTH' }, 406, { Accept: 'application/xml' })).toContain('application/json');
    const viaGet = await fetch(`${agent}/api/v1`);
    expect(viaGet.status).toBe(405);
    expect(Object.keys((await viaGet.json()) as Json).sort()).toEqual(['code', 'message']);

    // Paths: confined to the sandboxes, as /files.
    const sandbox = await sandboxOf('sleeper');
    fs.symlinkSync('/etc/passwd', path.join(sandbox, 'escape'));
    const readPath = (p: string): Json => ({ type: 'READ_FILE', read_file: { path: p, offset: 0 } });
    expect(await refused(readPath(path.join(sandbox, 'escape')), 403)).toContain('Access denied');
    expect(await refused(readPath(`${sandbox}/../../../../../../../../etc/passwd`), 403)).toContain('Access denied');
    expect(await refused(readPath('/etc/passwd'), 403)).toContain('Access denied');
    expect(await refused(readPath('relative/stdout'), 400)).toContain('absolute');
    expect(await refused(readPath(`${sandbox}/std\0out`), 400)).toContain('NUL');
    expect(await refused(readPath(`/${'a'.repeat(5000)}`), 400)).toContain('call.read_file.path');
    expect(await refused(readPath(path.join(sandbox, 'missing')), 404)).toContain('No such file');
    expect(await refused(readPath(sandbox), 400)).toContain('directory');
    expect(await refused({ type: 'READ_FILE', read_file: { path: path.join(sandbox, 'stdout'), offset: -1 } }, 400)).toContain('negative');
    expect(await refused({ type: 'READ_FILE', read_file: { path: path.join(sandbox, 'stdout'), offset: 0, length: -5 } }, 400)).toContain('negative');
    expect(await refused({ type: 'LIST_FILES', list_files: { path: '/etc' } }, 403)).toContain('Access denied');
    expect(await refused({ type: 'LIST_FILES', list_files: { path: path.join(sandbox, 'escape') } }, 403)).toContain('Access denied');
    // Still serving.
    expect(get(await call('GET_HEALTH'), 'get_health', 'healthy')).toBe(true);
  });

  it(`survives structural fuzzing (FUZZ_SEED=${SEED}): never a 5xx, every refusal {code, message}`, async () => {
    const sandbox = await sandboxOf('sleeper');
    const quick = await containerOf('quick');
    const seeds: Json[] = [
      { type: 'GET_STATE' }, { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 1000 } } }, { type: 'GET_CONTAINERS', get_containers: { show_nested: true } },
      { type: 'LIST_FILES', list_files: { path: sandbox } }, { type: 'READ_FILE', read_file: { path: path.join(sandbox, 'stdout'), offset: 0, length: 3 } },
      { type: 'WAIT_CONTAINER', wait_container: { container_id: { value: quick } } }, { type: 'KILL_CONTAINER', kill_container: { container_id: { value: quick }, signal: 15 } },
      { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 1, duration: { nanoseconds: 1 } } }, { type: 'GET_AGENT' },
    ];
    const rng = seededRng(SEED);
    const failures: string[] = [];
    for (let i = 0; i < 300; i++) {
      let body: unknown = seeds[Math.floor(rng.next() * seeds.length)];
      for (let m = 0; m < 1 + Math.floor(rng.next() * 3); m++) body = mutate(rng, body);
      const res = await fetch(`${agent}/api/v1`, { method: 'POST', signal: AbortSignal.timeout(10_000), headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) ?? 'null' });
      const text = await res.text();
      if (res.status >= 500) failures.push(`${res.status} ${JSON.stringify(body).slice(0, 300)} -> ${text.slice(0, 200)}`);
      else if (res.status >= 400 && Object.keys(JSON.parse(text) as Json).sort().join() !== 'code,message') failures.push(`${res.status} without {code, message}: ${text.slice(0, 200)}`);
    }
    expect(failures, `replay with FUZZ_SEED=${SEED}`).toEqual([]);
    expect(get(await call('GET_HEALTH'), 'get_health', 'healthy')).toBe(true);
  }, 120_000);
});
