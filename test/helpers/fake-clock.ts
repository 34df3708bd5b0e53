import type { Clock, Timer } from '../../src/lib/clock.js';

/** A manual clock for unit tests of pure logic: time moves only when `advance` is called. */
export class FakeClock implements Clock {
  private t = 0;
  private timers: { at: number; fn: () => void; every: number | null; id: number }[] = [];
  private nextId = 0;
  now(): number {
    return 1_700_000_000_000 + this.t;
  }
  monotonic(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): Timer {
    return this.add(fn, ms, null);
  }
  setInterval(fn: () => void, ms: number): Timer {
    return this.add(fn, ms, ms);
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.t = due.at;
      if (due.every !== null) due.at += Math.max(1, due.every);
      else this.timers = this.timers.filter((x) => x !== due);
      due.fn();
    }
    this.t = end;
  }
  private add(fn: () => void, ms: number, every: number | null): Timer {
    const entry = { at: this.t + Math.max(0, ms), fn, every, id: this.nextId++ };
    this.timers.push(entry);
    return { cancel: () => (this.timers = this.timers.filter((x) => x !== entry)) };
  }
}
