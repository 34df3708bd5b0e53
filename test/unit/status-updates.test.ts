import { describe, expect, it } from 'vitest';
import { StatusUpdateManager } from '../../src/agent/status-updates.js';
import type { TaskStatus } from '../../src/wire/mesos.js';
import type { TaskState } from '../../src/domain/task-state.js';
import { silentLogger } from '../../src/lib/log.js';
import { FakeClock } from '../helpers/fake-clock.js';

const status = (task: string, state: TaskState, uuid: string): TaskStatus => ({ task_id: { value: task }, state, source: 'SOURCE_EXECUTOR', timestamp: 0, uuid });

function setup() {
  const clock = new FakeClock();
  const sent: { task: string; state: string; uuid: string; latest: string }[] = [];
  const m = new StatusUpdateManager({
    send: (_fw, s, latest) => {
      sent.push({ task: s.task_id.value, state: s.state, uuid: s.uuid!, latest });
      return Promise.resolve(true);
    },
  }, clock, silentLogger, 10_000, 600_000);
  return { clock, sent, m };
}

describe('status update manager', () => {
  it('sends nothing while paused, then one update per task in flight, in order', () => {
    const { sent, m } = setup();
    m.enqueue('f', status('t', 'TASK_STARTING', 'u1'));
    m.enqueue('f', status('t', 'TASK_RUNNING', 'u2'));
    expect(sent).toEqual([]);
    m.resume();
    expect(sent.map((s) => s.uuid)).toEqual(['u1']);
    expect(sent[0]!.latest).toBe('TASK_RUNNING'); // latest_state is the agent's newest
    m.acknowledged('f', 't', 'u2'); // not the head: ignored
    expect(sent).toHaveLength(1);
    m.acknowledged('f', 't', 'u1');
    expect(sent.map((s) => s.uuid)).toEqual(['u1', 'u2']);
  });

  it('retries the head with exponential backoff until acknowledged', () => {
    const { clock, sent, m } = setup();
    m.resume();
    m.enqueue('f', status('t', 'TASK_FINISHED', 'u1'));
    clock.advance(9_999);
    expect(sent).toHaveLength(1);
    clock.advance(1);
    expect(sent).toHaveLength(2); // 10 s
    clock.advance(20_000);
    expect(sent).toHaveLength(3); // then 20 s
    m.acknowledged('f', 't', 'u1');
    clock.advance(1_000_000);
    expect(sent).toHaveLength(3);
    expect(m.pendingCount()).toBe(0);
  });

  it('tasks are independent streams; a dropped framework stops retrying', () => {
    const { clock, sent, m } = setup();
    m.resume();
    m.enqueue('f', status('a', 'TASK_RUNNING', 'a1'));
    m.enqueue('g', status('b', 'TASK_RUNNING', 'b1'));
    expect(sent.map((s) => s.uuid)).toEqual(['a1', 'b1']);
    m.dropFramework('f');
    clock.advance(10_000);
    expect(sent.map((s) => s.uuid)).toEqual(['a1', 'b1', 'b1']);
  });
});
