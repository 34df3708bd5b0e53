import { describe, expect, it } from 'vitest';
import { FragmentCache, JsonFragment, stringifyJson } from '../../src/lib/json-fragment.js';
import { encode } from '../../src/wire/codec.js';
import { OperatorResponse } from '../../src/wire/operator.js';

describe('JSON fragments', () => {
  it('are spliced verbatim by stringifyJson and give the same text as the values they stand for', () => {
    const tasks = [{ a: 1, s: 'x"y\\z' }, { b: [1, { c: null }] }, 'str', 3.5];
    const value = { before: 'json-fragment-', tasks: tasks.map((t) => new JsonFragment(JSON.stringify(t))), after: { n: 1 } };
    const plain = JSON.stringify({ ...value, tasks });
    expect(stringifyJson(value)).toBe(plain);
    // Outside stringifyJson (a plain JSON.stringify) a fragment prints as its value too.
    expect(JSON.stringify(value)).toBe(plain);
  });

  it('cannot be imitated by input: a string that looks like a placeholder stays a string', () => {
    // The placeholder of a call has a fresh random id; strings of an earlier call's shape are data.
    let seen = '';
    const spy = new JsonFragment('{"x":1}');
    const probe = { toJSON: (): string => (seen = JSON.stringify(spy)) };
    stringifyJson([probe]);
    const hostile = ['json-fragment-00000000-0000-0000-0000-000000000000-0', `"json-fragment-`, seen];
    expect(JSON.parse(stringifyJson({ hostile, f: spy }))).toEqual({ hostile, f: { x: 1 } });
  });

  it('pass through encode (pruning leaves them whole) and nest in stringifyJson calls', () => {
    const f = new JsonFragment('{"value":"t1"}');
    const encoded = encode(OperatorResponse, { type: 'GET_TASKS', get_tasks: { tasks: [{ task_id: f } as never], pending_tasks: [], unreachable_tasks: [], completed_tasks: [], orphan_tasks: [] } });
    expect(stringifyJson(encoded)).toBe('{"type":"GET_TASKS","get_tasks":{"tasks":[{"task_id":{"value":"t1"}}]}}');
    const inner = { toJSON: (): unknown => JSON.parse(stringifyJson({ g: new JsonFragment('2') })) };
    expect(stringifyJson({ a: new JsonFragment('1'), inner, b: new JsonFragment('3') })).toBe('{"a":1,"inner":{"g":2},"b":3}');
  });

  it('are made again by a FragmentCache only when the version changes', () => {
    let made = 0;
    const cache = new FragmentCache<{ n: number }>((k) => {
      made++;
      return { n: k.n };
    });
    const key = { n: 1 };
    const first = cache.get(key, 'v1');
    expect(cache.get(key, 'v1')).toBe(first);
    expect(made).toBe(1);
    key.n = 2;
    expect(cache.get(key, 'v2').json).toBe('{"n":2}');
    expect(made).toBe(2);
  });
});
