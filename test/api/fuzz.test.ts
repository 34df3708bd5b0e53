import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRng, type Rng } from '../../src/lib/rng.js';
import { inProcessCluster } from '../helpers/in-process.js';
import { V1Scheduler, offersOf } from '../helpers/v1-client.js';

// Seeded structural fuzzing of every JSON endpoint: random mutations of valid calls
// (wrong types, missing and extra fields, huge numbers, hostile strings, deep nesting).
// Whatever comes in, the answer is never a 5xx and the master keeps serving.

const SEED = Number(process.env['FUZZ_SEED'] ?? 20261122);
const CASES = Number(process.env['FUZZ_CASES'] ?? 300);

const HOSTILE_STRINGS = ['', '..', '/etc/passwd', 'a/../b', '\u0000', '\u202e', '$(reboot)', '%s%n', 'x'.repeat(5000), '{"a":', '🙂', 'NaN', '-1', 'TASK_RUNNING', 'SUBSCRIBE'];
const HOSTILE_NUMBERS = [0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.1, 65536, Number.MIN_VALUE];

function randomValue(rng: Rng, depth: number): unknown {
  const pick = Math.floor(rng.next() * (depth > 3 ? 5 : 7));
  switch (pick) {
    case 0: return HOSTILE_STRINGS[Math.floor(rng.next() * HOSTILE_STRINGS.length)];
    case 1: return HOSTILE_NUMBERS[Math.floor(rng.next() * HOSTILE_NUMBERS.length)];
    case 2: return rng.next() < 0.5;
    case 3: return null;
    case 4: return undefined;
    case 5: return Array.from({ length: Math.floor(rng.next() * 4) }, () => randomValue(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < Math.floor(rng.next() * 4); i++) o[String(HOSTILE_STRINGS[Math.floor(rng.next() * 5)]) + i] = randomValue(rng, depth + 1);
      return o;
    }
  }
}

/** Replaces, deletes or adds one field somewhere in `v` (a deep copy). */
function mutate(rng: Rng, v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return randomValue(rng, 0);
  const copy = Array.isArray(v) ? [...(v as unknown[])] : { ...(v as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const key = keys.length > 0 && rng.next() < 0.8 ? keys[Math.floor(rng.next() * keys.length)]! : `extra${Math.floor(rng.next() * 10)}`;
  const r = rng.next();
  const target = copy as Record<string, unknown>;
  if (r < 0.4 && typeof target[key] === 'object' && target[key] !== null) target[key] = mutate(rng, target[key]);
  else if (r < 0.6) delete target[key];
  else target[key] = randomValue(rng, 1);
  return copy;
}

let cluster: Awaited<ReturnType<typeof inProcessCluster>>;
beforeAll(async () => {
  cluster = await inProcessCluster();
});
afterAll(async () => {
  await cluster.stop();
});

const resources = [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }];
const SEEDS: Record<string, unknown[]> = {
  '/api/v1/scheduler': [
    { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'fuzz', roles: ['a'], capabilities: [{ type: 'MULTI_ROLE' }], failover_timeout: 1 } } },
    { type: 'ACCEPT', framework_id: { value: 'f' }, accept: { offer_ids: [{ value: 'o' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, command: { value: 'true' }, resources }] } }] } },
    { type: 'RECONCILE', framework_id: { value: 'f' }, reconcile: { tasks: [{ task_id: { value: 't' } }] } },
    { type: 'ACKNOWLEDGE', framework_id: { value: 'f' }, acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: 'AAAAAAAAAAAAAAAAAAAAAA==' } },
  ],
  // The operator API: actions aim at the live framework and agent (the framework's teardown is
  // kept out below, so later cases still reach deep validation).
  '/api/v1': [
    { type: 'GET_STATE' }, { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 5_000_000_000 } } }, { type: 'GET_TASKS' },
    { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: 'a' } } }, { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: 'a' } } },
    { type: 'TEARDOWN', teardown: { framework_id: { value: 'nope' } } }, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'nope' } } },
    { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'r', weight: 2 }] } }, { type: 'SUBSCRIBE' },
    { type: 'READ_FILE', read_file: { path: '/etc/passwd', offset: 0, length: 10 } },
    { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 1, duration: { nanoseconds: 1_000_000_000 } } },
    { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: 'a' }, max_grace_period: '1s' } },
    { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [{ hostname: 'other-host', ip: '10.9.9.9' }], unavailability: { start: { nanoseconds: 1 }, duration: { nanoseconds: 2 } } }] } } },
    { type: 'START_MAINTENANCE', start_maintenance: { machines: [{ hostname: 'other-host', ip: '10.9.9.9' }] } },
    { type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [{ hostname: 'other-host', ip: '10.9.9.9' }] } },
  ],
  '/master/maintenance/schedule': [{ windows: [{ machine_ids: [{ hostname: 'other-host', ip: '10.9.9.9' }], unavailability: { start: { nanoseconds: 1 } } }] }],
  '/master/machine/down': [[{ hostname: 'other-host', ip: '10.9.9.9' }]],
  '/master/quota': [{ role: 'fuzz-quota', guarantee: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }], force: false }],
  '/master/machine/up': [[{ hostname: 'other-host', ip: '10.9.9.9' }]],
  '/tsmesos/v1/agent': [
    { type: 'SUBSCRIBE', subscribe: { agent_info: { hostname: 'h', port: 5051, resources }, ip: '127.0.0.9', tasks: [] } },
    { type: 'UPDATE', agent_id: { value: 'a' }, update: { framework_id: { value: 'f' }, status: { task_id: { value: 't' }, state: 'TASK_RUNNING', uuid: 'AAAAAAAAAAAAAAAAAAAAAA==', timestamp: 1 } } },
  ],
  '/tsmesos/raft/v1/members': [{ action: 'add', address: '127.0.0.9:5050' }],
  '/tsmesos/raft/v1/messages': [{ from: '127.0.0.9:1', messages: [{ type: 'heartbeat', from: '127.0.0.9:1', to: 'x', term: 1, logTerm: 0, index: 0, commit: 0, entries: [], reject: false, rejectHint: 0, context: '' }] }],
};

describe(`structural fuzzing (FUZZ_SEED=${SEED}, ${CASES} cases per endpoint)`, () => {
  for (const [path, seedCalls] of Object.entries(SEEDS)) {
    it(`${path}: never a 5xx`, async () => {
      let seeds = seedCalls;
      const rng = seededRng(SEED + path.length);
      const failures: string[] = [];
      // A live framework, so mutated calls get past authentication into the deeper validation.
      const fw = new V1Scheduler(cluster.master);
      await fw.subscribe({ user: 'u', name: 'fuzz-target', failover_timeout: 600 });
      const offers = offersOf(await fw.next((e) => e.type === 'OFFERS'));
      const live = JSON.stringify(seeds).replaceAll('"value":"f"', `"value":"${fw.frameworkId}"`).replaceAll('"value":"o"', `"value":"${offers[0]!.id.value}"`).replaceAll('"value":"a"', `"value":"${offers[0]!.agent_id.value}"`);
      seeds = JSON.parse(live) as unknown[];
      for (let i = 0; i < CASES; i++) {
        let body: unknown = seeds[Math.floor(rng.next() * seeds.length)];
        for (let m = 0; m < 1 + Math.floor(rng.next() * 3); m++) body = mutate(rng, body);
        // Membership changes that happen to be valid would reshape the cluster under test.
        if (path.endsWith('/members') && typeof body === 'object' && body !== null && (body as { action?: unknown }).action === 'add') continue;
        // Mutations that become a valid teardown of the live framework or a gone agent would end the fuzzing target.
        if (path === '/api/v1' && /"type":"(TEARDOWN|MARK_AGENT_GONE)"/.test(JSON.stringify(body) ?? '') && (JSON.stringify(body) ?? '').includes(fw.frameworkId.slice(0, 8))) continue;
        if (path === '/api/v1' && /"type":"DRAIN_AGENT"/.test(JSON.stringify(body) ?? '') && /"mark_gone":true/.test(JSON.stringify(body) ?? '')) continue;
        const ctrl = new AbortController();
        const res = await fetch(`${cluster.master}${path}`, { method: 'POST', signal: ctrl.signal, headers: { 'Content-Type': 'application/json', ...(rng.next() < 0.8 ? { 'Mesos-Stream-Id': fw.streamId } : {}) }, body: JSON.stringify(body) ?? 'null' });
        if (res.status >= 500) failures.push(`${res.status} ${JSON.stringify(body).slice(0, 300)} -> ${(await res.text()).slice(0, 200)}`);
        ctrl.abort(); // streams (a valid SUBSCRIBE) are dropped at once
      }
      // A valid DEACTIVATE_AGENT of the live agent would starve the next endpoint's framework of offers.
      // A valid DRAIN_AGENT too: reactivation is refused until the drain is over (its tasks killed).
      for (let tries = 0; path === '/api/v1' && tries < 100; tries++) {
        const r = await fetch(`${cluster.master}/api/v1`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: offers[0]!.agent_id.value } } }) });
        if (r.status === 200 || !(await r.text()).includes('DRAINING')) break;
        await new Promise((done) => setTimeout(done, 100));
      }
      fw.close();
      expect(failures, `replay with FUZZ_SEED=${SEED}`).toEqual([]);
      expect((await fetch(`${cluster.master}/health`)).status).toBe(200);
    }, 120_000);
  }
});
