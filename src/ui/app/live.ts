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

/** An event the page saw itself (a new leader in /master/state): listed and announced like the streams' ones. */
export function noteEvent(type: string, summary: string): void {
  const ev = { type, summary, at: Date.now() };
  recent.unshift(ev);
  recent.length = Math.min(recent.length, 50);
  for (const l of listeners) l(ev);
}

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

// ---- /v2/events: the services scheduler's Marathon event stream (Server-Sent Events), read with
// fetch so that a failure is handled here (EventSource retries forever and cannot follow a new
// leader). Its deployments, health changes and task updates wake the views and join the list.

const SERVICE_EVENTS = ['deployment_info', 'deployment_success', 'deployment_failed', 'health_status_changed_event', 'status_update_event', 'app_terminated_event', 'unhealthy_instance_kill_event'];

function summarizeService(type: string, e: Record<string, unknown>): string {
  const plan = e['plan'] as { id?: string; affectedApps?: string[] } | undefined;
  if (plan) return `deployment ${plan.id ?? ''} of ${(plan.affectedApps ?? []).join(', ')}`;
  const str = (k: string): string => (typeof e[k] === 'string' ? e[k] : '');
  const app = str('appId');
  if (type === 'health_status_changed_event') return `${app} ${str('instanceId') || str('taskId')} ${e['alive'] === true ? 'healthy' : 'unhealthy'}`;
  if (type === 'status_update_event') return `${app} task ${str('taskId')} ${str('taskStatus')}`;
  return app;
}

/**
 * Follows /v2/events on the leader while `ready()` says the services scheduler runs there (before
 * that the endpoint answers 503), reconnecting with backoff and at a new leader.
 */
export function startServiceEvents(ready: () => boolean): void {
  let attempt = 0;
  let stop = new AbortController();
  let retry: number | undefined;
  const again = (): void => {
    stop.abort();
    stop = new AbortController();
    window.clearTimeout(retry);
    attempt = 0;
    void connect();
  };
  onLeaderChange(again);
  const later = (ms: number): void => {
    retry = window.setTimeout(() => void connect(), ms);
  };
  const connect = async (): Promise<void> => {
    const mine = stop;
    if (!ready()) {
      later(2000);
      return;
    }
    try {
      const url = leaderUrl(`/v2/events?${SERVICE_EVENTS.map((t) => `event_type=${t}`).join('&')}`);
      const res = await fetch(url, { headers: { Accept: 'text/event-stream' }, signal: mine.signal, cache: 'no-store' });
      if (res.status !== 200 || !res.body) throw new Error(`/v2/events answered ${res.status}`);
      attempt = 0;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const type = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (type === undefined || data === undefined || !SERVICE_EVENTS.includes(type)) continue;
          const ev = { type: type.replace(/_event$/, ''), summary: summarizeService(type, JSON.parse(data) as Record<string, unknown>), at: Date.now() };
          recent.unshift(ev);
          recent.length = Math.min(recent.length, 50);
          for (const l of listeners) l(ev);
        }
      }
    } catch {
      // the leader went away or the stream was replaced: polling carries on meanwhile
    }
    if (mine !== stop) return;
    attempt++;
    later(Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5)));
  };
  void connect();
}
