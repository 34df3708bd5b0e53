import { expect } from 'vitest';
import { TsmesosError } from '../../src/domain/errors.js';

/** Runs `fn`, asserts it throws a one-line BAD_REQUEST TsmesosError, and returns the message. */
export function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TsmesosError);
    expect((e as TsmesosError).code).toBe('BAD_REQUEST');
    const msg = (e as TsmesosError).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected a BAD_REQUEST error, got none');
}
