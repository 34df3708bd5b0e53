import { describe, expect, it } from 'vitest';
import { LeaderServices, delayedService, periodicService, type LeaderService } from '../../src/master/leader-services.js';
import { silentLogger } from '../../src/lib/log.js';
import { FakeClock } from '../helpers/fake-clock.js';

const recording = (name: string, calls: string[], failStart = false): LeaderService => ({
  name,
  start: () => {
    if (failStart) throw new Error(`${name} cannot start`);
    calls.push(`start ${name}`);
  },
  stop: () => calls.push(`stop ${name}`),
});

describe('leader services', () => {
  it('start in registration order and stop in reverse', () => {
    const calls: string[] = [];
    const list = new LeaderServices(silentLogger);
    for (const n of ['a', 'b', 'c']) list.register(recording(n, calls));
    list.startAll();
    list.stopAll();
    list.stopAll(); // nothing left running
    expect(calls).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
    expect(list.names()).toEqual(['a', 'b', 'c']);
  });

  it('a service failing to start stops the ones already started, and the failure reaches the caller', () => {
    const calls: string[] = [];
    const list = new LeaderServices(silentLogger);
    list.register(recording('a', calls));
    list.register(recording('b', calls, true));
    list.register(recording('c', calls));
    expect(() => list.startAll()).toThrow(/b cannot start/);
    expect(calls).toEqual(['start a', 'stop a']);
  });

  it('refuses registrations while running', () => {
    const list = new LeaderServices(silentLogger);
    list.register(recording('a', []));
    list.startAll();
    expect(() => list.register(recording('late', []))).toThrow(/while the services run/);
  });

  it('periodic and delayed services run only between start and stop', () => {
    const clock = new FakeClock();
    let ticks = 0;
    let fired = 0;
    const list = new LeaderServices(silentLogger);
    list.register(periodicService('tick', clock, 100, () => ticks++));
    list.register(delayedService('once', clock, 250, () => fired++));
    clock.advance(1000);
    expect([ticks, fired]).toEqual([0, 0]);
    list.startAll();
    clock.advance(1000);
    expect([ticks, fired]).toEqual([10, 1]);
    list.stopAll();
    clock.advance(1000);
    expect([ticks, fired]).toEqual([10, 1]);
    list.startAll(); // a later election starts them again
    clock.advance(200);
    list.stopAll();
    clock.advance(1000);
    expect([ticks, fired]).toEqual([12, 1]);
  });
});
