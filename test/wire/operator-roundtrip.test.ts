import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../src/wire/codec.js';
import {
  OPERATOR_CALL_TYPES, OPERATOR_EVENT_TYPES, OPERATOR_RESPONSE_TYPES, OperatorCall, OperatorEvent, OperatorResponse,
} from '../../src/wire/operator.js';
import { wireProblem } from '../helpers/wire-check.js';
import { OPERATOR_SAMPLES } from './operator-samples.js';

describe('every operator API message round-trips', () => {
  for (const { name, schema, json } of OPERATOR_SAMPLES) {
    it(name, () => {
      expect(wireProblem(schema, json)).toBeNull();
      const x = decode(schema, json, 'sample');
      expect(decode(schema, encode(schema, x), 'again')).toEqual(x);
      expect(decode(schema, JSON.parse(JSON.stringify(encode(schema, x))), 'text')).toEqual(x);
    });
  }

  it('the samples cover every call, response and event type (UNKNOWN aside)', () => {
    const types = (schema: unknown): Set<string> => new Set(OPERATOR_SAMPLES.filter((s) => s.schema === schema).map((s) => String(s.json['type'])));
    for (const t of OPERATOR_CALL_TYPES.filter((t) => t !== 'UNKNOWN')) expect(types(OperatorCall), t).toContain(t);
    for (const t of OPERATOR_RESPONSE_TYPES.filter((t) => t !== 'UNKNOWN')) expect(types(OperatorResponse), t).toContain(t);
    for (const t of OPERATOR_EVENT_TYPES.filter((t) => t !== 'UNKNOWN')) expect(types(OperatorEvent), t).toContain(t);
  });
});

describe('operator JSON follows the protobuf rules', () => {
  it('an empty payload stays: Mesos prints {"get_weights":{}} and clients read it unguarded', () => {
    expect(encode(OperatorResponse, { type: 'GET_WEIGHTS', get_weights: { weight_infos: [] } })).toEqual({ type: 'GET_WEIGHTS', get_weights: {} });
    expect(encode(OperatorResponse, { type: 'GET_QUOTA', get_quota: { status: { infos: [], configs: [] } } })).toEqual({ type: 'GET_QUOTA', get_quota: { status: {} } });
  });

  it('unknown call types and enum values are errors naming the field; unknown fields are ignored', () => {
    expect(() => decode(OperatorCall, { type: 'GET_EVERYTHING' }, 'call')).toThrow(/call\.type/);
    expect(() => decode(OperatorCall, { type: 7 }, 'call')).toThrow(/call\.type/);
    expect(() => decode(OperatorCall, { type: 'TEARDOWN', teardown: {} }, 'call')).toThrow(/call\.teardown\.framework_id/);
    expect(decode(OperatorCall, { type: 'GET_STATE', future: { x: 1 }, get_metrics: null }, 'call')).toEqual(decode(OperatorCall, { type: 'GET_STATE' }, 'call'));
  });
});
