// The only place that reads wall and monotonic time. Everything else takes a Clock.
export interface Clock {
  /** Milliseconds since the Unix epoch (wall clock). */
  now(): number;
  /** Monotonic milliseconds, for measuring intervals. */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  setInterval(fn: () => void, ms: number): Timer;
}

export interface Timer {
  cancel(): void;
}

/** Largest delay Node's timers accept (a signed 32-bit millisecond count). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout(fn, ms) {
    // Node fires a timer of more than 2^31-1 ms after 1 ms: a 30-day kill grace period
    // would be a SIGKILL at once. Long delays are chained in steps that fit.
    let t: NodeJS.Timeout;
    const deadline = performance.now() + ms;
    const arm = (left: number): void => {
      t = setTimeout(() => {
        const rest = deadline - performance.now();
        if (rest > 1) arm(rest);
        else fn();
      }, Math.min(Math.max(0, left), MAX_TIMER_MS));
      t.unref?.();
    };
    arm(ms);
    return { cancel: () => clearTimeout(t) };
  },
  setInterval(fn, ms) {
    const t = setInterval(fn, Math.min(Math.max(1, ms), MAX_TIMER_MS));
    t.unref?.();
    return { cancel: () => clearInterval(t) };
  },
};
