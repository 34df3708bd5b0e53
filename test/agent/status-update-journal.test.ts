// Checkpointed status update streams: the manager journals a checkpointing framework's updates to
// real files; a second manager on the same directory (the restarted agent) replays what was not
// acknowledged and delivers it in order, one in flight, retried with backoff.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatusUpdateManager } from '../../src/agent/status-updates.js';
import { replay, StatusUpdateJournal } from '../../src/agent/status-update-journal.js';
import type { TaskState } from '../../src/domain/task-state.js';
import { silentLogger } from '../../src/lib/log.js';
import type { TaskStatus } from '../../src/wire/mesos.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDir } from '../helpers/process.js';

const status = (task: string, state: TaskState, uuid: string): TaskStatus => ({ task_id: { value: task }, state, source: 'SOURCE_EXECUTOR', timestamp: 0, uuid });

function manager(dir: string, accept = true) {
  const clock = new FakeClock();
  const sent: string[] = [];
  const ended: string[] = [];
  const journal = new StatusUpdateJournal(dir, path.dirname(dir));
  const m = new StatusUpdateManager({
    send: (_fw, s) => {
      sent.push(s.uuid!);
      return Promise.resolve(accept);
    },
    streamEnded: (fw, task) => void ended.push(`${fw}/${task}`),
  }, clock, silentLogger, 10_000, 600_000, journal);
  return { clock, sent, ended, journal, m };
}

/** The restarted agent: replays the journal into a new manager, as Agent.recover() does. */
function restart(dir: string, accept = true) {
  const next = manager(dir, accept);
  for (const s of next.journal.load().streams) next.m.restore(s.frameworkId, s.taskId, s.pending);
  return next;
}

const files = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

describe('checkpointed status update streams', () => {
  it('an unacknowledged update survives a crash and is delivered after the restart, in order, one in flight', () => {
    const dir = path.join(tempDir(), 'updates');
    const before = manager(dir);
    before.m.resume();
    before.m.enqueue('f', status('t', 'TASK_STARTING', 'u1'), true);
    before.m.enqueue('f', status('t', 'TASK_RUNNING', 'u2'), true);
    before.m.enqueue('f', status('t', 'TASK_FINISHED', 'u3'), true);
    before.m.acknowledged('f', 't', 'u1');
    expect(before.sent).toEqual(['u1', 'u2']);
    // kill -9: the manager is gone without a word. The task's other stream files are untouched.

    const after = restart(dir);
    expect(after.sent).toEqual([]); // nothing before reregistration
    after.m.resume();
    expect(after.sent).toEqual(['u2']);
    after.m.acknowledged('f', 't', 'u3'); // not the head: ignored
    expect(after.sent).toEqual(['u2']);
    after.m.acknowledged('f', 't', 'u2');
    expect(after.sent).toEqual(['u2', 'u3']);
    expect(files(dir)).toHaveLength(1);
    after.m.acknowledged('f', 't', 'u3');
    expect(after.ended).toEqual(['f/t']);
    expect(files(dir)).toEqual([]);
    // A third start finds nothing to deliver.
    const third = restart(dir);
    third.m.resume();
    expect(third.sent).toEqual([]);
  });

  it('a restored head is retried with backoff until acknowledged', () => {
    const dir = path.join(tempDir(), 'updates');
    const before = manager(dir, false);
    before.m.enqueue('f', status('t', 'TASK_FAILED', 'u1'), true);
    const after = restart(dir, false);
    after.m.resume();
    after.clock.advance(9_999);
    expect(after.sent).toEqual(['u1']);
    after.clock.advance(1);
    expect(after.sent).toEqual(['u1', 'u1']);
    after.clock.advance(20_000);
    expect(after.sent).toEqual(['u1', 'u1', 'u1']);
    after.m.acknowledged('f', 't', 'u1');
    after.clock.advance(1_000_000);
    expect(after.sent).toHaveLength(3);
    expect(files(dir)).toEqual([]);
  });

  it('tasks keep separate streams across the restart; updates enqueued after it follow the restored ones', () => {
    const dir = path.join(tempDir(), 'updates');
    const before = manager(dir);
    before.m.enqueue('f', status('a', 'TASK_RUNNING', 'a1'), true);
    before.m.enqueue('g', status('b', 'TASK_RUNNING', 'b1'), true);
    const after = restart(dir);
    after.m.enqueue('f', status('a', 'TASK_FINISHED', 'a2'), true); // the task ended while the agent was down
    after.m.resume();
    expect(after.sent.sort()).toEqual(['a1', 'b1']);
    after.m.acknowledged('f', 'a', 'a1');
    expect(after.sent.at(-1)).toBe('a2');
    expect(after.m.pendingCount()).toBe(2);
  });

  it('streams of frameworks that do not checkpoint write nothing', () => {
    const dir = path.join(tempDir(), 'updates');
    const { m } = manager(dir);
    m.enqueue('f', status('t', 'TASK_RUNNING', 'u1'));
    expect(files(dir)).toEqual([]);
    expect(restart(dir).m.pendingCount()).toBe(0);
  });

  it('a journal does not grow with acknowledged updates, and goes with its framework', () => {
    const dir = path.join(tempDir(), 'updates');
    const { m } = manager(dir);
    m.resume();
    for (let i = 0; i < 50; i++) {
      m.enqueue('f', status('t', 'TASK_RUNNING', `h${i}`), true); // health updates repeat RUNNING
      m.acknowledged('f', 't', `h${i}`);
    }
    expect(files(dir)).toEqual([]);
    m.enqueue('f', status('t', 'TASK_RUNNING', 'last'), true);
    m.enqueue('g', status('x', 'TASK_RUNNING', 'x1'), true);
    expect(files(dir)).toHaveLength(2);
    m.dropFramework('f');
    expect(files(dir)).toHaveLength(1);
  });

  it('replay ignores a torn last line and reports damage before it', () => {
    const u = (uuid: string): string => JSON.stringify({ type: 'update', frameworkId: 'f', status: status('t', 'TASK_RUNNING', uuid) });
    const ack = (uuid: string): string => JSON.stringify({ type: 'ack', uuid });
    expect(replay(`${u('1')}\n${u('2')}\n${ack('1')}\n${u('3').slice(0, 20)}`)).toEqual({ stream: { frameworkId: 'f', taskId: 't', pending: [status('t', 'TASK_RUNNING', '2')] } });
    const damaged = replay(`${u('1')}\n{oops\n${u('2')}\n`);
    expect(damaged.stream?.pending.map((p) => p.uuid)).toEqual(['1']);
    expect(damaged.error).toMatch(/line 2/);
    expect(replay(`${u('1')}\n${ack('other')}\n`).stream?.pending).toHaveLength(1); // an ack of another update removes nothing
  });

  it('does not bring back a removed work dir: an update after it is gone is not written', () => {
    const root = tempDir();
    const dir = path.join(root, 'meta', 'updates');
    const journal = new StatusUpdateJournal(dir, root);
    journal.appendUpdate('fw', status('t', 'TASK_RUNNING', '1'));
    expect(fs.readdirSync(dir)).toHaveLength(1);
    fs.rmSync(root, { recursive: true, force: true });
    journal.appendUpdate('fw', status('t', 'TASK_FINISHED', '2'));
    expect(fs.existsSync(root)).toBe(false);
  });
});
