// What callers of the driver wait on: proposals (resolved once their entry is applied here)
// and ReadIndex read barriers (resolved once a quorum confirmed the leadership and the read
// index is applied). The driver's Ready loop feeds them; see driver.ts.
import type { Entry, ReadState } from './core/types.js';
import type { Clock, Timer } from '../lib/clock.js';
import { TsmesosError } from '../domain/errors.js';

interface Waiter {
  term: number;
  resolve(index: number): void;
  reject(e: Error): void;
}

interface PendingRead {
  index: number;
  resolve(): void;
  reject(e: Error): void;
  timer: Timer;
}

export class Waiters {
  private readonly proposals = new Map<number, Waiter>();
  private readonly reads = new Map<string, PendingRead>();
  private readonly readyReads: PendingRead[] = [];

  constructor(private readonly clock: Clock, private readonly schedule: () => void) {}

  waitApplied(index: number, term: number): Promise<number> {
    this.schedule();
    return new Promise<number>((resolve, reject) => this.proposals.set(index, { term, resolve, reject }));
  }

  /** Waits for the ReadState of `ctx` (the read index is `index`), then for it to be applied. */
  waitRead(ctx: string, index: number, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        if (this.reads.delete(ctx)) reject(new TsmesosError('TIMEOUT', 'read barrier: no quorum confirmed leadership in time'));
        const i = this.readyReads.findIndex((p) => p.timer === timer);
        if (i >= 0) {
          this.readyReads.splice(i, 1);
          reject(new TsmesosError('TIMEOUT', 'read barrier: entries not applied in time'));
        }
      }, timeoutMs);
      this.reads.set(ctx, { index, resolve, reject, timer });
      this.schedule();
    });
  }

  /** Proposals at or below a snapshot received from the leader can no longer be matched. */
  snapshotInstalled(index: number): void {
    for (const [i, w] of this.proposals) {
      if (i <= index) {
        this.proposals.delete(i);
        w.reject(new TsmesosError('UNAVAILABLE', 'replaced by a snapshot from the leader; outcome unknown'));
      }
    }
  }

  entryApplied(e: Entry): void {
    const w = this.proposals.get(e.index);
    if (w) {
      this.proposals.delete(e.index);
      if (w.term === e.term) w.resolve(e.index);
      else w.reject(new TsmesosError('UNAVAILABLE', 'the proposal was overwritten by a new leader; retry'));
    }
  }

  readsConfirmed(readStates: readonly ReadState[]): void {
    for (const rs of readStates) {
      const p = this.reads.get(rs.context);
      if (!p) continue;
      this.reads.delete(rs.context);
      this.readyReads.push({ ...p, index: rs.index });
    }
  }

  releaseReads(applied: number): void {
    for (let i = 0; i < this.readyReads.length;) {
      const p = this.readyReads[i]!;
      if (applied >= p.index) {
        this.readyReads.splice(i, 1);
        p.timer.cancel();
        p.resolve();
      } else {
        i++;
      }
    }
  }

  hasPending(): boolean {
    return this.proposals.size > 0 || this.reads.size > 0 || this.readyReads.length > 0;
  }

  failPending(err: TsmesosError): void {
    for (const w of this.proposals.values()) w.reject(err);
    this.proposals.clear();
    for (const p of this.reads.values()) {
      p.timer.cancel();
      p.reject(err);
    }
    this.reads.clear();
    for (const p of this.readyReads.splice(0)) {
      p.timer.cancel();
      p.reject(err);
    }
  }
}
