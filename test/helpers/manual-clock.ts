import type { Clock, Timer } from '../../src/lib/clock.js';

/**
 * A manual clock for tests of real, asynchronous parts (HTTP on loopback, SQLite, Raft driver):
 * time moves only when `advance` is called, and between the instants at which timers fire
 * the event loop runs until the I/O those timers started has settled.
 *
 * - Timers due at the current instant (`setTimeout(fn, 0)`: "soon") run on their own, on the
 *   next turn of the event loop, as real zero-delay timers do; the clock itself never moves.
 * - `advance(ms)` fires every timer due up to now+ms in time order; all timers due at one
 *   instant fire together (as in one libuv timer phase), then `settle()` lets the event loop
 *   run before the clock moves on, so an HTTP call started by a timer at t completes at t.
 * - An exception thrown by a timer callback is re-thrown from `advance` (not swallowed).
 */
export class ManualClock implements Clock {
  /** Monotonic milliseconds since the clock was made. */
  private t = 0;
  private readonly epoch: number;
  private timers: Entry[] = [];
  private nextId = 0;
  private dueRunScheduled = false;
  private readonly errors: unknown[] = [];
  private advancing = false;

  constructor(opts: { epochMs?: number } = {}) {
    this.epoch = opts.epochMs ?? 1_700_000_000_000;
  }

  now(): number {
    return this.epoch + this.t;
  }

  monotonic(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    return this.add(fn, ms, null);
  }

  setInterval(fn: () => void, ms: number): Timer {
    return this.add(fn, ms, Math.max(1, ms));
  }

  /** Number of pending timers (for assertions that nothing leaks). */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Monotonic time of the next pending timer, or null. */
  nextDue(): number | null {
    let best: number | null = null;
    for (const x of this.timers) if (best === null || x.at < best) best = x.at;
    return best;
  }

  /** Moves time forward by `ms`, firing due timers in order and settling the event loop between instants. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new Error(`advance(${ms}): time only moves forward`);
    await this.advanceTo(this.t + ms);
  }

  /** Moves monotonic time to `target` (>= now). */
  async advanceTo(target: number): Promise<void> {
    if (target < this.t) throw new Error(`advanceTo(${target}): the clock is already at ${this.t}`);
    if (this.advancing) throw new Error('advance is not re-entrant: await the previous advance first');
    this.advancing = true;
    try {
      await settle();
      for (;;) {
        const at = this.nextDue();
        if (at === null || at > target) break;
        this.t = Math.max(this.t, at);
        this.fireDue();
        this.throwErrors();
        await settle();
      }
      this.t = target;
      await settle();
      this.throwErrors();
    } finally {
      this.advancing = false;
    }
  }

  /**
   * Time passes while the process is frozen (a long GC pause, SIGSTOP, a blocked event loop):
   * the clock moves by `ms` and no timer fires; those that fell due fire late, at the next advance.
   */
  freeze(ms: number): void {
    if (!(ms >= 0)) throw new Error(`freeze(${ms}): time only moves forward`);
    if (this.advancing) throw new Error('freeze during an advance');
    this.t += ms;
  }

  /** Fires every timer due at or before the current instant, in (due time, creation) order. */
  private fireDue(): void {
    for (;;) {
      const due = this.timers.filter((x) => x.at <= this.t).sort((a, b) => a.at - b.at || a.id - b.id);
      if (due.length === 0) return;
      for (const x of due) {
        if (!this.timers.includes(x)) continue; // cancelled by an earlier callback
        if (x.every !== null) x.at += x.every;
        else this.timers = this.timers.filter((y) => y !== x);
        try {
          x.fn();
        } catch (e) {
          this.errors.push(e);
        }
      }
    }
  }

  private throwErrors(): void {
    const e = this.errors.shift();
    if (e !== undefined) throw e instanceof Error ? e : new Error(`a timer callback threw ${JSON.stringify(e)}`);
  }

  private add(fn: () => void, ms: number, every: number | null): Timer {
    const entry: Entry = { at: this.t + Math.max(0, Number.isFinite(ms) ? ms : 0), fn, every, id: this.nextId++ };
    this.timers.push(entry);
    if (entry.at <= this.t) this.scheduleDueRun();
    return { cancel: () => (this.timers = this.timers.filter((x) => x !== entry)) };
  }

  /** A zero-delay timer runs on its own on the next turn (unless an advance is firing timers anyway). */
  private scheduleDueRun(): void {
    if (this.dueRunScheduled) return;
    this.dueRunScheduled = true;
    setImmediate(() => {
      this.dueRunScheduled = false;
      this.fireDue();
      // Outside advance nobody awaits us: report a failing callback the way Node would.
      if (!this.advancing) this.throwErrors();
    });
  }
}

interface Entry {
  at: number;
  fn: () => void;
  every: number | null;
  id: number;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// Requests in flight that complete on their own (thread pool, connects, DNS, writes). Long-lived
// handles (listening servers, open sockets, child processes) do not count: they never finish.
// (A FileHandle's close, the last step of fs.promises.readFile, shows as CloseReq.)
const TRANSIENT = /^(FSReq|FSReqPromise|FSReqCallback|CloseReq|TCPConnectWrap|PipeConnectWrap|GetAddrInfoReqWrap|GetNameInfoReqWrap|WriteWrap|ShutdownWrap|QueryWrap)/;

function transientRequests(): number {
  let n = 0;
  for (const r of process.getActiveResourcesInfo()) if (TRANSIENT.test(r)) n++;
  return n;
}

/**
 * Lets the event loop run until it is quiet: `quietTurns` consecutive turns with no request in
 * flight. Loopback TCP delivers a write to the peer's socket buffer before write() returns, so
 * each hop of a request/response takes a turn; thread-pool work (fs) is waited for explicitly.
 * This is for progress, never for proving an absence: tests prove absences with barriers
 * (an event that the master sends after the one that must not have been sent).
 */
export async function settle(quietTurns = 8, maxTurns = 100_000): Promise<void> {
  let quiet = 0;
  for (let i = 0; i < maxTurns && quiet < quietTurns; i++) {
    await turn();
    if (transientRequests() > 0) {
      quiet = 0;
      // Thread-pool work finishes in real time; give it a millisecond instead of spinning.
      await new Promise((resolve) => setTimeout(resolve, 1));
    } else {
      quiet++;
    }
  }
}
