import { useEffect, useState } from 'preact/hooks';

// Live data by polling: the operator API's SUBSCRIBE stream does not exist yet; when it does,
// the cluster view will follow it instead and polling stays only for files.

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
 * `key` changes; keeps the last good data beside the latest error.
 */
export function usePoll<T>(key: string, load: (signal: AbortSignal) => Promise<T>, everyMs = POLL_MS): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: undefined, error: undefined, at: undefined });
  useEffect(() => {
    const ctl = new AbortController();
    let timer: number | undefined;
    setState({ data: undefined, error: undefined, at: undefined });
    const tick = async (): Promise<void> => {
      try {
        const data = await load(ctl.signal);
        if (!ctl.signal.aborted) setState({ data, error: undefined, at: Date.now() });
      } catch (e) {
        if (!ctl.signal.aborted) setState((s) => ({ ...s, error: e instanceof Error ? e.message : String(e) }));
      }
      if (!ctl.signal.aborted) timer = window.setTimeout(() => void tick(), everyMs);
    };
    void tick();
    return () => {
      ctl.abort();
      window.clearTimeout(timer);
    };
    // `load` is a fresh closure on every render; `key` names what it loads.
  }, [key, everyMs]);
  return state;
}
