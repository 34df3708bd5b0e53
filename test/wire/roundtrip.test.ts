import { describe, expect, it } from 'vitest';
import { decode, decodeOwn, encode } from '../../src/wire/codec.js';
import * as m from '../../src/wire/mesos.js';
import { Call, CALL_TYPES, Event, EVENT_TYPES } from '../../src/wire/scheduler.js';
import { AgentCall, AgentEvent } from '../../src/wire/agent-channel.js';
import { TsmesosError } from '../../src/domain/errors.js';
import { SAMPLES } from './samples.js';
import { wireProblem } from '../helpers/wire-check.js';

describe('every wire message round-trips', () => {
  for (const { name, schema, json } of SAMPLES) {
    it(name, () => {
      // Canonical JSON decodes, and encodes back to exactly itself.
      expect(wireProblem(schema, json)).toBeNull();
      // decode(encode(x)) = x for the decoded value.
      const x = decode(schema, json, 'sample');
      expect(decode(schema, encode(schema, x), 'again')).toEqual(x);
      // Through JSON text too: nothing in the value that JSON cannot carry.
      expect(decode(schema, JSON.parse(JSON.stringify(encode(schema, x))), 'text')).toEqual(x);
    });
  }

  it('the samples cover every call and event type (UNKNOWN aside), and every agent channel message', () => {
    const types = (schema: unknown): Set<string> => new Set(SAMPLES.filter((s) => s.schema === schema).map((s) => String(s.json['type'])));
    const calls = types(Call);
    // REQUEST's payload is ignored by Mesos's allocator and by us; it decodes like any call.
    for (const t of CALL_TYPES.filter((t) => t !== 'UNKNOWN' && t !== 'REQUEST')) expect(calls, t).toContain(t);
    const events = types(Event);
    // INVERSE_OFFERS and UPDATE_OPERATION_STATUS are never sent: no maintenance or operation feedback yet.
    for (const t of EVENT_TYPES.filter((t) => !['UNKNOWN', 'INVERSE_OFFERS', 'UPDATE_OPERATION_STATUS'].includes(t))) expect(events, t).toContain(t);
    expect(types(AgentCall)).toEqual(new Set(['SUBSCRIBE', 'UPDATE', 'HEARTBEAT']));
    expect(types(AgentEvent).size).toBe(7);
  });
});

describe('decoding follows protobuf JSON rules', () => {
  it('null is "not set": optional fields, repeated fields and their elements (protobufjs clients send them)', () => {
    const call = decode(Call, {
      framework_id: null, type: 'SUBSCRIBE', accept: null, kill: null,
      subscribe: { framework_info: { user: 'root', name: 'n', id: null, failover_timeout: 604800, checkpoint: null, role: null, capabilities: null, labels: null, roles: [null, 'a'] } },
    }, 'call');
    expect(call.framework_id).toBeUndefined();
    expect(call.subscribe?.framework_info.id).toBeUndefined();
    expect(call.subscribe?.framework_info.capabilities).toEqual([]);
    expect(call.subscribe?.framework_info.roles).toEqual(['a']);
    const task = decode(m.TaskInfo, { name: 'x', task_id: { value: 't' }, agent_id: { value: 'a' }, executor: null, container: null, kill_policy: null, command: { value: 'true', uris: null } }, 'task');
    expect(task.executor).toBeUndefined();
    expect(task.command?.uris).toEqual([]);
  });

  it('a required field that is null or missing is an error naming its path', () => {
    expect(() => decode(Call, { type: 'KILL', kill: { task_id: null } }, 'call')).toThrow(/call\.kill\.task_id/);
    expect(() => decode(m.TaskInfo, { task_id: { value: 't' }, agent_id: { value: 'a' } }, 'task')).toThrow(/task\.name/);
  });

  it('unknown fields are ignored, at every depth', () => {
    const e = decode(Event, { type: 'HEARTBEAT', future_field: 1, update: { status: { task_id: { value: 't', extra: 1 }, state: 'TASK_RUNNING', whatever: {} } } }, 'event');
    expect(encode(Event, e)).toEqual({ type: 'HEARTBEAT', update: { status: { task_id: { value: 't' }, state: 'TASK_RUNNING' } } });
  });

  it('enums are names; an unknown name is an error', () => {
    expect(() => decode(m.TaskStatus, { task_id: { value: 't' }, state: 'TASK_NAPPING' }, 'status')).toThrow(TsmesosError);
    expect(() => decode(m.TaskStatus, { task_id: { value: 't' }, state: 1 }, 'status')).toThrow(/status\.state/);
  });

  it('64-bit integers may come as decimal strings (proto3-style printers) and beyond 2^53', () => {
    const d = decode(m.DurationInfo, { nanoseconds: '30000000000' }, 'd');
    expect(d.nanoseconds).toBe(30_000_000_000);
    expect(decode(m.TimeInfo, { nanoseconds: 1_796_160_814_162_000_000 }, 't').nanoseconds).toBe(1_796_160_814_162_000_000);
    expect(() => decode(m.DurationInfo, { nanoseconds: 1.5 }, 'd')).toThrow(/nanoseconds/);
  });

  it('ids follow the Mesos rules; hostile and oversized input is refused', () => {
    expect(() => decode(m.TaskID, { value: '../etc' }, 'id')).toThrow(TsmesosError);
    expect(() => decode(m.TaskID, { value: 'a/b' }, 'id')).toThrow(/id\.value/);
    expect(() => decode(m.TaskID, { value: 'x'.repeat(300) }, 'id')).toThrow(/id\.value/);
    expect(() => decode(m.FrameworkInfo, { name: 'x'.repeat(2000) }, 'fi')).toThrow(/fi\.name/);
    expect(() => decode(m.Labels, { labels: Array.from({ length: 300 }, () => ({ key: 'k' })) }, 'l')).toThrow(/l\.labels/);
    expect(() => decode(Call, { type: 'SUBSCRIBE', __proto__: { polluted: true } }, 'c')).not.toThrow();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('encoding omits what is not set', () => {
  it('unset fields, empty repeated fields and empty sub-messages are left out; marker messages stay', () => {
    const status = encode(m.TaskStatus, {
      task_id: { value: 't' }, state: 'TASK_LOST', source: 'SOURCE_MASTER', labels: { labels: [] },
      agent_id: undefined, executor_id: undefined, container_status: {},
    });
    expect(status).toEqual({ task_id: { value: 't' }, state: 'TASK_LOST', source: 'SOURCE_MASTER' });
    expect(JSON.stringify(status)).not.toContain('{}');
    const r = encode(m.Resource, { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [], revocable: {} });
    expect(r).toEqual({ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, revocable: {} });
  });
});

describe("tsmesos's own channel is checked strictly in tests", () => {
  it('TSMESOS_WIRE_STRICT=1 refuses a non-canonical agent call that plain decoding accepts', () => {
    expect(process.env['TSMESOS_WIRE_STRICT']).toBe('1'); // set for the whole run by test/helpers/global-setup.ts
    const sloppy = { type: 'HEARTBEAT', agent_id: { value: 'S1' }, update: null };
    expect(decode(AgentCall, sloppy, 'call').type).toBe('HEARTBEAT');
    expect(() => decodeOwn(AgentCall, sloppy, 'call')).toThrow(/canonical/);
    expect(decodeOwn(AgentCall, { type: 'HEARTBEAT', agent_id: { value: 'S1' } }, 'call').agent_id?.value).toBe('S1');
  });
});
