import { describe, expect, it } from 'vitest';
import { UNKNOWN_RETURN, checkKvHistory, checkRegister, type KvOp } from './linearizability.js';

const w = (value: string, call: number, ret: number, key = 'x'): KvOp => ({ kind: 'write', key, value, call, ret });
const r = (value: string | undefined, call: number, ret: number, key = 'x'): KvOp => ({ kind: 'read', key, value, call, ret });

describe('linearizability checker', () => {
  it('accepts an empty and a sequential history', () => {
    expect(checkRegister([])).toBe(true);
    expect(checkRegister([r(undefined, 0, 1), w('a', 2, 3), r('a', 4, 5), w('b', 6, 7), r('b', 8, 9)])).toBe(true);
  });

  it('accepts concurrent operations that can be ordered', () => {
    // The read overlaps both writes, so it may see either value.
    expect(checkRegister([w('a', 0, 10), w('b', 5, 15), r('a', 12, 20)])).toBe(true);
    expect(checkRegister([w('a', 0, 10), w('b', 5, 15), r('b', 6, 8)])).toBe(true);
    expect(checkRegister([w('a', 0, 10), w('b', 5, 15), r('b', 1, 3)])).toBe(false); // b not yet invoked
  });

  it('rejects a stale read after a completed write', () => {
    expect(checkRegister([w('a', 0, 1), w('b', 2, 3), r('a', 4, 5)])).toBe(false);
  });

  it('rejects a read of a value never written', () => {
    expect(checkRegister([w('a', 0, 1), r('z', 2, 3)])).toBe(false);
  });

  it('rejects two reads that disagree on the order of writes', () => {
    // Writes are concurrent, but once a read sees b then later a, a later read cannot see b again.
    expect(checkRegister([w('a', 0, 100), w('b', 0, 100), r('b', 10, 11), r('a', 20, 21), r('b', 30, 31)])).toBe(false);
  });

  it('treats a write with unknown outcome as possibly applied or never applied', () => {
    expect(checkRegister([w('a', 0, 1), w('b', 2, UNKNOWN_RETURN), r('a', 5, 6)])).toBe(true);
    expect(checkRegister([w('a', 0, 1), w('b', 2, UNKNOWN_RETURN), r('b', 5, 6), r('a', 7, 8)])).toBe(false);
  });

  it('checks keys independently and names the bad one', () => {
    const ops = [w('a', 0, 1, 'x'), r('a', 2, 3, 'x'), w('a', 0, 1, 'y'), r(undefined, 2, 3, 'y')];
    expect(checkKvHistory(ops)).toEqual(['y']);
  });

  it('handles a long concurrent history quickly', () => {
    const ops: KvOp[] = [];
    for (let i = 0; i < 60; i++) ops.push(w(`v${i}`, i * 2, i * 2 + 5), r(i === 0 ? undefined : `v${i - 1}`, i * 2 + 1, i * 2 + 2));
    expect(checkRegister(ops)).toBe(true);
  });
});
