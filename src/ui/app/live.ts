// Live updates from the operator API's SUBSCRIBE stream (POST /api/v1 on the leading master, also
// from a follower's page: the leader lets the cluster's masters in with CORS): every event (a task
// added or updated, an agent or framework change) wakes the views, which then re-read the state
// at once instead of at their next poll; the events also feed the overview's recent-events list.
// Polling stays as the fallback while the stream is down; a new leader gets a new stream.
import { useEffect, useState } from 'preact/hooks';
import { RecordReader } from './recordio.js';
import { onCredentials } from './auth.js';
import { headersFor, leaderUrl, onLeaderChange } from './http.js';

export interface LiveEvent {
  type: string;
  /** What the event is about, e.g. "task web-1 TASK_FAILED" or "agent S3". */
  summary: string;
  at: number;
}

type Listener = (e: LiveEvent) => void;
const listeners = new Set<Listener>();
const recent: LiveEvent[] = [];
let connected = false;
const statusListeners = new Set<(connected: boolean) => void>();

export const recentEvents = (): readonly LiveEvent[] => recent;

export function onLiveEvent(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

function setConnected(v: boolean): void {
  if (connected === v) return;
  connected = v;
  for (const l of statusListeners) l(v);
}

/** True while the operator stream is open. */
export function useLiveStatus(): boolean {
  const [v, setV] = useState(connected);
  useEffect(() => {
    statusListeners.add(setV);
    // The stream may have opened between the first render and this effect: read it again.
    setV(connected);
    return () => void statusListeners.delete(setV);
  }, []);
  return v;
}

function summarize(e: Record<string, unknown>): string {
  const type = String(e['type']);
  const body = e[type.toLowerCase()] as Record<string, unknown> | undefined;
  const task = (body?.['task'] ?? (body?.['status'] ? { task_id: (body['status'] as Record<string, unknown>)['task_id'] } : undefined)) as { task_id?: { value?: string } } | undefined;
  const rawState = body?.['state'] ?? (body?.['status'] as Record<string, unknown> | undefined)?.['state'];
  const state = typeof rawState === 'string' ? rawState : undefined;
  if (task?.task_id?.value !== undefined) return `task ${task.task_id.value}${state !== undefined ? ` ${state}` : ''}`;
  const agent = (body?.['agent'] as { agent_info?: { id?: { value?: string } } } | undefined)?.agent_info?.id?.value ?? (body?.['agent_id'] as { value?: string } | undefined)?.value;
  if (agent !== undefined) return `agent ${agent}`;
  const fw = (body?.['framework'] as { framework_info?: { name?: string } } | undefined)?.framework_info?.name ?? (body?.['framework_id'] as { value?: string } | undefined)?.value;
  return fw !== undefined ? `framework ${fw}` : type;
}

/** Keeps one SUBSCRIBE open for the page's lifetime, reconnecting with backoff. */
export function startLive(): void {
  let attempt = 0;
  let stop = new AbortController();
  let retry: number | undefined;
  // Signing in (or out) reopens the stream at once with the new credentials; a new leader, at
  // the new leader.
  const reconnect = (): void => {
    stop.abort();
    stop = new AbortController();
    window.clearTimeout(retry);
    attempt = 0;
    void connect();
  };
  onCredentials(reconnect);
  onLeaderChange(reconnect);
  const connect = async (): Promise<void> => {
    const mine = stop;
    try {
      // SUBSCRIBE is a POST: with --authenticate-http-readwrite it needs the signed-in credentials.
      // To the leader (on a follower's page too: the leader lets the cluster's masters in with CORS).
      const url = leaderUrl('/api/v1');
      const res = await fetch(url, { method: 'POST', redirect: 'manual', signal: mine.signal, headers: headersFor(url, { 'Content-Type': 'application/json' }), body: '{"type":"SUBSCRIBE"}' });
      if (res.status === 401) {
        // This master asks for credentials: wait for the user to sign in (onCredentials reconnects).
        setConnected(false);
        return;
      }
      if (res.status !== 200 || !res.body) throw new Error(`SUBSCRIBE answered ${res.status}`);
      setConnected(true);
      attempt = 0;
      const reader = res.body.getReader();
      const framing = new RecordReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const r of framing.push(value)) {
          const e = JSON.parse(r) as Record<string, unknown>;
          if (e['type'] === 'HEARTBEAT' || e['type'] === 'SUBSCRIBED') continue;
          const ev = { type: String(e['type']), summary: summarize(e), at: Date.now() };
          recent.unshift(ev);
          recent.length = Math.min(recent.length, 50);
          for (const l of listeners) l(ev);
        }
      }
    } catch {
      // Not the leader (a redirect), or the master went away: polling carries on meanwhile.
    }
    if (mine !== stop) return; // replaced by a stream with other credentials
    setConnected(false);
    attempt++;
    retry = window.setTimeout(() => void connect(), Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5)));
  };
  void connect();
}
