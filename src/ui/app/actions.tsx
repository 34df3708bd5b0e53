import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { headersFor, leaderUrl } from './http.js';

// Operator actions through the public operator API (POST /api/v1 on the leading master), each
// confirmed first; the answer (or the API's {code, message}) is shown, never swallowed.

export async function operatorAction(call: Record<string, unknown>): Promise<void> {
  const url = leaderUrl('/api/v1');
  const res = await fetch(url, { method: 'POST', redirect: 'manual', headers: headersFor(url, { 'Content-Type': 'application/json' }), body: JSON.stringify(call) });
  if (res.status === 200 || res.status === 202) return;
  if (res.type === 'opaqueredirect') throw new Error(NOT_LEADER);
  const text = await res.text();
  let message = text;
  try {
    const j = JSON.parse(text) as { code?: string; message?: string };
    message = `${j.code ?? res.status}: ${j.message ?? text}`;
  } catch {
    // not JSON: show the text as it came
  }
  throw new Error(`${res.status} ${message}${res.status === 401 ? SIGN_IN : ''}`);
}

/** A button that asks `confirm` first, runs `run`, and shows what happened. */
export function ActionButton({ label, confirm, run }: { label: string; confirm: string; run: () => Promise<void> }): JSX.Element {
  const [state, setState] = useState<{ busy: boolean; done?: string; error?: string }>({ busy: false });
  const click = async (): Promise<void> => {
    if (!window.confirm(confirm)) return;
    setState({ busy: true });
    try {
      await run();
      setState({ busy: false, done: `${label}: done` });
    } catch (e) {
      setState({ busy: false, error: e instanceof Error ? e.message : String(e) });
    }
  };
  return (
    <span class="action">
      <button type="button" disabled={state.busy} onClick={() => void click()}>{label}</button>
      {state.done !== undefined ? <span class="muted" role="status"> {state.done}</span> : null}
      {state.error !== undefined ? <span class="error" role="alert"> {state.error}</span> : null}
    </span>
  );
}

/** A write to the Marathon-compatible API (/v2) of the page's master; its `{message}` errors are shown as they come. */
export async function servicesAction(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<void> {
  const url = leaderUrl(path);
  const res = await fetch(url, { method, redirect: 'manual', headers: headersFor(url, { 'Content-Type': 'application/json' }), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (res.ok) return;
  if (res.type === 'opaqueredirect') throw new Error(NOT_LEADER);
  const text = await res.text();
  let message = text.slice(0, 300);
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? message;
  } catch {
    // not JSON: the text as it came
  }
  throw new Error(`${res.status} ${message}${res.status === 401 ? SIGN_IN : ''}`);
}

const SIGN_IN = ' (this master asks for credentials: sign in at #/login)';
const NOT_LEADER = 'the master this page took for the leader is not leading any more (a failover): retry in a moment';
