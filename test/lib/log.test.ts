import { describe, expect, it } from 'vitest';
import { LogVerbosity, createLogger } from '../../src/lib/log.js';
import { ManualClock } from '../helpers/manual-clock.js';

// The logger's verbosity (SET_LOGGING_LEVEL): debug lines pass only while it is above 0, the
// logger's children share it, and it reverts when its duration ends.

describe('LogVerbosity', () => {
  it('lets debug lines through for the duration, in every child, then reverts', async () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const verbosity = new LogVerbosity(clock);
    const log = createLogger('info', 'test', (l) => lines.push(l), verbosity).child('http');
    log.debug('before');
    verbosity.set(1, 1000);
    log.debug('during');
    log.child('deeper').debug('nested');
    await clock.advance(999);
    log.debug('still');
    await clock.advance(1);
    log.debug('after');
    log.info('info always');
    expect(lines.map((l) => l.split('] ')[1]?.trim())).toEqual(['during', 'nested', 'still', 'info always']);
    expect(verbosity.get()).toBe(0);
  });

  it('a new change replaces the pending revert; level 0 reverts at once', async () => {
    const clock = new ManualClock();
    const v = new LogVerbosity(clock);
    v.set(2, 100);
    v.set(3, 1000);
    await clock.advance(500);
    expect(v.get()).toBe(3);
    v.set(0, 1000);
    expect(v.get()).toBe(0);
    v.set(4, 100);
    v.dispose();
    await clock.advance(1000);
    expect(v.get()).toBe(4);
  });
});
