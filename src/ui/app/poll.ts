import { useEffect, useRef, useState } from 'preact/hooks';
import { onLiveEvent } from './live.js';

// Live data: views poll, and the operator stream (live.ts) wakes them at once when something
// happens, so a change shows without waiting for the next poll.

export const POLL_MS = 2000;

export interface Polled<T> {
  data: T | undefined;
  /** The last poll's error (the data, if any, is from an earlier poll). */
  error: string | undefined;
  /** When `data` was last refreshed (ms since the epoch). */
  at: number | undefined;
}

/**
 * Calls `load` now and every `everyMs` after each answer (never two at once) until unmounted or
 * `key` changes; keeps the last good data beside the latest error. `paused` stops it (an
 * in-flight load is aborted) and keeps what it has: a page deleting its object pauses its polls,
 * which would otherwise ask for what is gone.
 */
export function usePoll<T>(key: string, load: (signal: AbortSignal) => Promise<T>, everyMs = POLL_MS, wakeOnEvents = false, paused = false): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: undefined, error: undefined, at: undefined });
  const loadedKey = useRef(key);
  // Read by ticks already scheduled: set at render, a microtask after the setState that paused,
  // so before any answer or event can wake a tick (the effect's cleanup comes after paint).
  const pausedNow = useRef(paused);
  pausedNow.current = paused;
  useEffect(() => {
    if (loadedKey.current !== key) {
      loadedKey.current = key;
      setState({ data: undefined, error: undefined, at: undefined });
    }
    if (paused) return undefined;
    const ctl = new AbortController();
    let timer: number | undefined;
    let busy = false;
    let again = false;
    const tick = async (): Promise<void> => {
      window.clearTimeout(timer);
      if (pausedNow.current) return;
      if (busy) {
        again = true; // an event came during a load: load once more when it ends
        return;
      }
      busy = true;
      try {
        const data = await load(ctl.signal);
        if (!ctl.signal.aborted) setState({ data, error: undefined, at: Date.now() });
      } catch (e) {
        if (!ctl.signal.aborted) setState((s) => ({ ...s, error: e instanceof Error ? e.message : String(e) }));
      }
      busy = false;
      if (ctl.signal.aborted) return;
      if (again) {
        again = false;
        void tick();
      } else timer = window.setTimeout(() => void tick(), everyMs);
    };
    void tick();
    const off = wakeOnEvents ? onLiveEvent(() => void tick()) : () => undefined;
    return () => {
      ctl.abort();
      off();
      window.clearTimeout(timer);
    };
    // `load` is a fresh closure on every render; `key` names what it loads.
  }, [key, everyMs, paused]);
  return state;
}
