import { describe, expect, it } from 'vitest';
import { MasterEvents, type MasterEvent } from '../../src/master/events.js';

describe('MasterEvents', () => {
  it('delivers every event to every listener synchronously, in registration order, and unsubscribes', () => {
    const events = new MasterEvents();
    const seen: string[] = [];
    const offA = events.on((e) => seen.push(`a:${e.type}`));
    events.on((e) => seen.push(`b:${e.type}`));
    const e1: MasterEvent = { type: 'FRAMEWORK_REMOVED', frameworkId: 'f' };
    events.emit(e1);
    expect(seen).toEqual(['a:FRAMEWORK_REMOVED', 'b:FRAMEWORK_REMOVED']);
    offA();
    events.emit({ type: 'AGENT_DISCONNECTED', agentId: 's' });
    expect(seen.slice(2)).toEqual(['b:AGENT_DISCONNECTED']);
  });

  it('a listener that unsubscribes while handling an event does not make others miss it', () => {
    const events = new MasterEvents();
    const seen: string[] = [];
    const off = events.on(() => {
      seen.push('first');
      off();
    });
    events.on(() => seen.push('second'));
    events.emit({ type: 'LEADER_ELECTED', masterId: 'm', at: 0 });
    events.emit({ type: 'LEADER_ELECTED', masterId: 'm', at: 1 });
    expect(seen).toEqual(['first', 'second', 'second']);
  });
});
