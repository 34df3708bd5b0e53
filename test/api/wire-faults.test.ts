import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { resolveUpConfig } from '../../src/cli/up-config.js';
import { startMaster, type RunningRole } from '../../src/roles/master.js';
import { silentLogger } from '../../src/lib/log.js';
import { systemClock } from '../../src/lib/clock.js';
import { systemRng } from '../../src/lib/rng.js';
import { Agent } from '../../src/agent/agent.js';
import { PosixContainerizer } from '../../src/containerizer/posix.js';
import { ComposingContainerizer } from '../../src/containerizer/composing.js';
import { Resources } from '../../src/domain/resources.js';
import { freePort, getJson, stopAtEnd, tempDir, waitFor } from '../helpers/process.js';
import { V1Scheduler, offersOf, updateOf, type Event } from '../helpers/v1-client.js';

// The wire faults of the groundwork issue, each over real HTTP against a real master and a
// real agent (posix containerizer, real processes), in this process so the master can be
// restarted under a running agent.

const isUpdateFor = (id: string, state?: string) => (e: Event) =>
  e.type === 'UPDATE' && updateOf(e).task_id.value === id && (state === undefined || updateOf(e).state === state);

let dataDir: string;
let port: number;
let master: RunningRole | null = null;
let agent: Agent;
const kills: { containerId: string; graceMs: number }[] = [];
const url = (): string => `http://127.0.0.1:${port}`;

async function startTheMaster(): Promise<void> {
  // Its agent connects over plain HTTP (this file is about faults on the agent's wire, not its transport security).
  const config = resolveUpConfig({ role: 'master', dataDir, port: String(port), marathonPort: '0', agentTls: 'optional' }, {});
  const running = await startMaster(config, silentLogger);
  master = running;
  stopAtEnd(() => running.stop());
}

async function agentActive(): Promise<void> {
  await waitFor('agent active', async () => {
    const r = await getJson(`${url()}/master/slaves`);
    const slaves = (r.body as { slaves?: { active: boolean }[] }).slaves ?? [];
    return r.status === 200 && slaves.some((s) => s.active) ? true : undefined;
  });
}

beforeAll(async () => {
  dataDir = tempDir();
  port = await freePort();
  await startTheMaster();
  // Its frameworks' user 'u' does not exist here: tasks run as the agent's user.
  const posix = new PosixContainerizer({ logger: silentLogger, switchUser: false });
  // The real containerizer, watched: which grace period does a kill get?
  const watched = new ComposingContainerizer([posix]);
  const kill = watched.kill.bind(watched);
  watched.kill = (containerId: string, graceMs: number) => {
    kills.push({ containerId, graceMs });
    return kill(containerId, graceMs);
  };
  agent = new Agent({
    workDir: path.join(dataDir, 'agent'), ip: '127.0.0.1', port: await freePort(), hostname: 'localhost',
    resources: Resources.parse('cpus:2;mem:512;disk:512;ports:[31000-31010]'), attributes: [],
    masters: [{ host: '127.0.0.1', port }], containerizer: watched, clock: systemClock, rng: systemRng, logger: silentLogger,
  });
  agent.start();
  stopAtEnd(async () => {
    await agent.stop(500);
  });
  await agentActive();
});

afterAll(async () => {
  await agent.stop(500);
  await master?.stop();
});

describe('wire faults fixed by the wire layer', () => {
  it('OFFERS nests the offer list, master_info reports Mesos 1.11.0, and null fields are "not set"', async () => {
    const s = new V1Scheduler(url());
    // protobufjs-based clients send every unset field as null.
    const sub = await s.subscribe({ user: 'u', name: 'nulls', id: null, role: null, capabilities: null, labels: null, checkpoint: null });
    expect(sub.type).toBe('SUBSCRIBED');
    expect((sub['subscribed'] as { master_info: { version: string } }).master_info.version).toBe('1.11.0');
    const e = await s.next((x) => x.type === 'OFFERS');
    expect(Array.isArray(e['offers'])).toBe(false);
    const [offer] = offersOf(e);
    expect(offer?.agent_id.value).toMatch(/-S\d+$/);
    const r = await s.call({
      type: 'ACCEPT', subscribe: null, decline: null,
      accept: { offer_ids: [offer!.id], filters: null, operations: [{ type: 'LAUNCH', reserve: null, launch: { task_infos: [{
        name: 'n', task_id: { value: 'null-fields' }, agent_id: offer!.agent_id, executor: null, container: null, kill_policy: null, labels: null,
        command: { value: 'true', uris: null, environment: null },
        resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, role: null, reservation: null }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 } }],
      }] } }] },
    });
    expect(r.status).toBe(202);
    const first = updateOf(await s.next(isUpdateFor('null-fields')));
    expect(first.state).not.toBe('TASK_ERROR');
    await s.call({ type: 'TEARDOWN' });
    s.close();
  });

  it('master-generated updates carry no empty executor_id; terminal counters in /metrics/snapshot count', async () => {
    const s = new V1Scheduler(url());
    await s.subscribe({ user: 'u', name: 'counters' });
    const [offer] = offersOf(await s.next((x) => x.type === 'OFFERS'));
    const task = (id: string, command: string) => ({
      name: id, task_id: { value: id }, agent_id: offer!.agent_id, command: { value: command },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 } }],
    });
    const before = (await getJson(`${url()}/metrics/snapshot`)).body as Record<string, number>;
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer!.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('ok', 'true'), task('bad', 'exit 3')] } }], filters: { refuse_seconds: 0 } } });
    for (const [id, end] of [['ok', 'TASK_FINISHED'], ['bad', 'TASK_FAILED']] as const) {
      for (;;) {
        const u = updateOf(await s.next(isUpdateFor(id)));
        if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
        if (u.state === end) break;
      }
    }
    // Reconciling a task the master does not know: a master-generated update.
    await s.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'never-existed' } }] } });
    const rec = await s.next(isUpdateFor('never-existed'));
    expect(JSON.stringify(rec)).not.toContain('{}');
    expect(updateOf(rec).source).toBe('SOURCE_MASTER');
    const after = await waitFor('counters', async () => {
      const m = (await getJson(`${url()}/metrics/snapshot`)).body as Record<string, number>;
      return m['master/tasks_finished'] === (before['master/tasks_finished'] ?? 0) + 1 ? m : undefined;
    });
    expect(after['master/tasks_failed']).toBe((before['master/tasks_failed'] ?? 0) + 1);
    // The other Mesos counters count too: the agent's registration, the agent's updates, allocation runs.
    expect(after['master/slave_registrations']).toBeGreaterThanOrEqual(1);
    expect(after['master/valid_status_updates']! - (before['master/valid_status_updates'] ?? 0)).toBeGreaterThanOrEqual(4);
    expect(after['allocator/mesos/allocation_runs']).toBeGreaterThan(before['allocator/mesos/allocation_runs'] ?? 0);
    for (const k of ['master/slaves_inactive', 'master/slaves_unreachable', 'master/frameworks_inactive', 'master/frameworks_disconnected']) expect(typeof after[k], k).toBe('number');
    await s.call({ type: 'TEARDOWN' });
    s.close();
  });

  it('/version and /master/state report the Mesos version, with tsmesos\'s own beside it', async () => {
    const v = (await getJson(`${url()}/version`)).body as Record<string, string>;
    expect(v['version']).toBe('1.11.0');
    expect(v['tsmesos_version']).toMatch(/^\d+\.\d+\.\d+/);
    const st = (await getJson(`${url()}/master/state`)).body as Record<string, string>;
    expect(st['version']).toBe('1.11.0');
    expect(st['tsmesos_version']).toBe(v['tsmesos_version']);
  });

  it('after a master failover an adopted task keeps its environment (even a variable named "variables") and its kill grace period', async () => {
    const s = new V1Scheduler(url());
    await s.subscribe({ user: 'u', name: 'failover', failover_timeout: 3600, checkpoint: true });
    const fwId = s.frameworkId;
    const [offer] = offersOf(await s.next((x) => x.type === 'OFFERS'));
    const thirtyDays = 30 * 24 * 3600 * 1e9;
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer!.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [{
      name: 'keeper', task_id: { value: 'keeper' }, agent_id: offer!.agent_id,
      command: { value: 'echo "$variables" > marker; exec sleep 300', environment: { variables: [{ name: 'variables', value: 'kept' }] } },
      kill_policy: { grace_period: { nanoseconds: thirtyDays } },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 } }],
    }] } }] } });
    for (;;) {
      const u = updateOf(await s.next(isUpdateFor('keeper')));
      if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
      if (u.state === 'TASK_RUNNING') break;
    }
    s.close();
    // Failover: a new master process state on the same registry; the agent reregisters with its tasks.
    await master!.stop();
    await startTheMaster();
    await agentActive();
    const s2 = new V1Scheduler(url());
    const sub = await s2.subscribe({ user: 'u', name: 'failover', failover_timeout: 3600, checkpoint: true, id: { value: fwId } });
    expect(sub.type).toBe('SUBSCRIBED');
    await s2.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'keeper' } }] } });
    expect(updateOf(await s2.next(isUpdateFor('keeper'))).state).toBe('TASK_RUNNING');
    kills.length = 0;
    await s2.call({ type: 'KILL', kill: { task_id: { value: 'keeper' } } });
    const k = await waitFor('kill reached the containerizer', () => kills[0]);
    // The task's own 30-day policy, not the 3 s default, and no timer overflow into an instant SIGKILL.
    expect(k.graceMs).toBe(thirtyDays / 1e6);
    await s2.call({ type: 'TEARDOWN' });
    s2.close();
  });
});
