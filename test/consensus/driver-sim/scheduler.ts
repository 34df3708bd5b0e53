// The simulated time of the driver simulation: one queue of timed tasks (timers, deferred
// Ready loops) for every node, in (time, sequence) order, so that a seed replays exactly.
// Each node gets a Clock whose timers run through the queue at its own rate (clock skew);
// a task of a crashed incarnation is dropped, a task of a paused node waits for it.
import type { Clock, Timer } from '../../../src/lib/clock.js';

export interface TaskOwner {
  /** Incarnation: bumped at each crash or stop, so its leftover timers never fire. */
  epoch: number;
  /** Frozen (GC pause, SIGSTOP) until this time. */
  pausedUntil: number;
  /** Clock rate: one of its milliseconds lasts this many simulated ones. */
  readonly skew: number;
}

interface Task {
  at: number;
  readonly seq: number;
  readonly owner: TaskOwner;
  readonly epoch: number;
  readonly fn: () => void;
  cancelled: boolean;
}

const before = (a: Task, b: Task): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export class Scheduler {
  now = 0;
  private seq = 0;
  private readonly heap: Task[] = [];

  at(at: number, owner: TaskOwner, fn: () => void): Task {
    const t: Task = { at, seq: this.seq++, owner, epoch: owner.epoch, fn, cancelled: false };
    this.push(t);
    return t;
  }

  /** Runs every task due by now (including those they add for now), each through `run`. */
  runDue(run: (owner: TaskOwner, fn: () => void) => void): void {
    for (let top = this.heap[0]; top && top.at <= this.now; top = this.heap[0]) {
      this.pop();
      if (top.cancelled || top.epoch !== top.owner.epoch) continue;
      if (top.owner.pausedUntil > this.now) {
        // Keeps its place among the owner's tasks: same sequence, later time.
        top.at = top.owner.pausedUntil;
        this.push(top);
        continue;
      }
      run(top.owner, top.fn);
    }
  }

  clock(owner: TaskOwner): Clock {
    const scaled = (ms: number): number => Math.max(1, Math.round(ms * owner.skew));
    return {
      now: () => 1_700_000_000_000 + Math.floor(this.now / owner.skew),
      monotonic: () => this.now / owner.skew,
      setTimeout: (fn, ms): Timer => {
        const t = this.at(this.now + scaled(ms), owner, fn);
        return { cancel: () => { t.cancelled = true; } };
      },
      setInterval: (fn, ms): Timer => {
        let t: Task;
        const arm = (): void => {
          t = this.at(this.now + scaled(ms), owner, () => {
            arm();
            fn();
          });
        };
        arm();
        return { cancel: () => { t.cancelled = true; } };
      },
    };
  }

  private push(t: Task): void {
    const h = this.heap;
    h.push(t);
    for (let i = h.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
