import type { TaskStatus } from '../wire/mesos.js';
import type { TaskState } from '../domain/task-state.js';
import { isTerminal } from '../domain/task-state.js';
import type { Clock, Timer } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { exponentialDelay } from '../lib/backoff.js';
import type { StatusUpdateJournal } from './status-update-journal.js';

export interface UpdateSender {
  /** Forwards one update; resolves true when the master took it (202). */
  send(frameworkId: string, status: TaskStatus, latestState: TaskState): Promise<boolean>;
  /** The task's terminal update was acknowledged: its stream is over. */
  streamEnded?(frameworkId: string, taskId: string): void;
}

interface TaskStream {
  frameworkId: string;
  taskId: string;
  pending: TaskStatus[];
  latestState: TaskState;
  retry: Timer | null;
  attempt: number;
  /** Journaled (checkpointing framework): survives an agent restart. */
  checkpoint: boolean;
}

/**
 * Reliable status updates (Mesos task status update manager): per task, strictly
 * in order, one in flight; the head is retried with backoff until the framework's
 * acknowledgement comes back through the master. Streams of checkpointing frameworks are
 * journaled (status-update-journal.ts) and restored after an agent restart.
 */
export class StatusUpdateManager {
  private readonly streams = new Map<string, TaskStream>();
  private paused = true;

  constructor(
    private readonly sender: UpdateSender,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly retryBaseMs = 10_000,
    private readonly retryMaxMs = 600_000,
    private readonly journal?: StatusUpdateJournal,
  ) {}

  /** `checkpoint`: the framework checkpoints, so the update is journaled before it is sent. */
  enqueue(frameworkId: string, status: TaskStatus, checkpoint = false): void {
    const s = this.streamOf(frameworkId, status.task_id.value, status.state, checkpoint);
    if (s.checkpoint) this.journaled(() => this.journal?.appendUpdate(frameworkId, status));
    s.pending.push(status);
    s.latestState = status.state;
    if (s.pending.length === 1) this.forwardHead(s);
  }

  acknowledged(frameworkId: string, taskId: string, uuid: string): void {
    const s = this.streams.get(`${frameworkId}/${taskId}`);
    const head = s?.pending[0];
    if (!s || !head || head.uuid !== uuid) return; // duplicate or out-of-order ack: ignored
    s.pending.shift();
    s.retry?.cancel();
    s.retry = null;
    s.attempt = 0;
    // Nothing pending: the journal has nothing to replay (this also keeps health updates from growing it).
    if (s.checkpoint) this.journaled(() => (s.pending.length > 0 ? this.journal?.appendAck(frameworkId, taskId, uuid) : this.journal?.remove(frameworkId, taskId)));
    if (s.pending.length > 0) this.forwardHead(s);
    else if (isTerminal(s.latestState)) {
      this.streams.delete(`${frameworkId}/${taskId}`);
      this.sender.streamEnded?.(frameworkId, taskId);
    }
  }

  /** After an agent restart: a journaled stream's unacknowledged updates, in order (sent on resume()). */
  restore(frameworkId: string, taskId: string, pending: readonly TaskStatus[]): void {
    if (pending.length === 0) return;
    const s = this.streamOf(frameworkId, taskId, pending.at(-1)!.state, true);
    s.pending.push(...pending);
    s.latestState = pending.at(-1)!.state;
    if (s.pending.length === pending.length) this.forwardHead(s);
  }

  /** Master connection lost: stop sending; resume() flushes every head again. */
  pause(): void {
    this.paused = true;
    for (const s of this.streams.values()) {
      s.retry?.cancel();
      s.retry = null;
    }
  }

  resume(): void {
    this.paused = false;
    for (const s of [...this.streams.values()].sort((a, b) => (a.taskId < b.taskId ? -1 : 1))) {
      s.attempt = 0;
      if (s.pending.length > 0) this.forwardHead(s);
    }
  }

  dropFramework(frameworkId: string): void {
    for (const [key, s] of [...this.streams.entries()]) {
      if (s.frameworkId !== frameworkId) continue;
      s.retry?.cancel();
      this.streams.delete(key);
      if (s.checkpoint) this.journaled(() => this.journal?.remove(s.frameworkId, s.taskId));
    }
  }

  /** Whether the task still has updates waiting for the framework's acknowledgement. */
  hasPending(frameworkId: string, taskId: string): boolean {
    return (this.streams.get(`${frameworkId}/${taskId}`)?.pending.length ?? 0) > 0;
  }

  /** Unacknowledged updates, for /state and reregistration. */
  pendingCount(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.pending.length;
    return n;
  }

  stop(): void {
    this.pause();
  }

  /** A journal that cannot be written costs only the update's survival of an agent restart. */
  private journaled(write: () => void): void {
    try {
      write();
    } catch (e) {
      this.logger.warn('cannot checkpoint a status update stream', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  private streamOf(frameworkId: string, taskId: string, state: TaskState, checkpoint: boolean): TaskStream {
    const key = `${frameworkId}/${taskId}`;
    let s = this.streams.get(key);
    if (!s) {
      s = { frameworkId, taskId, pending: [], latestState: state, retry: null, attempt: 0, checkpoint };
      this.streams.set(key, s);
    }
    return s;
  }

  private forwardHead(s: TaskStream): void {
    if (this.paused) return;
    const head = s.pending[0];
    if (!head) return;
    s.retry?.cancel();
    const delay = exponentialDelay(s.attempt, this.retryBaseMs, this.retryMaxMs);
    s.retry = this.clock.setTimeout(() => {
      s.attempt++;
      this.forwardHead(s);
    }, delay);
    this.sender.send(s.frameworkId, head, s.latestState).then(
      (ok) => {
        if (!ok) this.logger.debug('status update not accepted; will retry', { task: s.taskId });
      },
      (e: unknown) => this.logger.debug('status update failed; will retry', { task: s.taskId, error: e instanceof Error ? e.message : String(e) }),
    );
  }
}
