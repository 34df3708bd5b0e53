// Every request the UI makes: GETs of the public JSON APIs (legacy /master/state, Raft status,
// the agents' /state and /files/*) and the writes of the actions. Errors carry the URL and the
// server's {code, message}. Requests to the page's own master carry the signed-in credentials
// (auth.ts); requests to other nodes never do (no credentials leave for another origin).
import { authorization } from './auth.js';

export class ApiError extends Error {
  constructor(readonly url: string, readonly status: number | null, message: string) {
    super(message);
  }
}

function describeBody(text: string): string {
  try {
    const b = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof b.code === 'string') return `${b.code}: ${typeof b.message === 'string' ? b.message : ''}`;
  } catch {
    // not JSON: show the text itself
  }
  return text.slice(0, 300);
}

const TIMEOUT_MS = 5000;

/**
 * Accept JSON; with `withCredentials`, when `url` is on the page's own master, the signed-in
 * credentials too. Plain reads go without: a follower answers them with a 307 to the leader,
 * and a header beyond Accept would need a CORS preflight there.
 */
export function headersFor(url: string, extra: Record<string, string> = {}, withCredentials = true): Record<string, string> {
  const h: Record<string, string> = { Accept: 'application/json', ...extra };
  if (!withCredentials || !isMasterOrigin(new URL(url, location.href).origin)) return h; // no credentials elsewhere
  // Marks the page's own requests: a master then answers a 401 without the Basic challenge
  // (which would make the browser hold the request for its own login dialog).
  h['X-Requested-With'] = 'XMLHttpRequest';
  const auth = authorization();
  if (auth !== undefined) h['Authorization'] = auth;
  return h;
}

/** GET a JSON document; any failure (network, status, body) is an ApiError naming the URL. `withCredentials`: see headersFor. */
export async function getJson<T>(url: string, signal?: AbortSignal, withCredentials = false): Promise<T> {
  let res: Response;
  try {
    // A host that is down on a real network may never answer: give up after TIMEOUT_MS.
    const limit = AbortSignal.timeout(TIMEOUT_MS);
    res = await fetch(url, { headers: headersFor(url, {}, withCredentials), cache: 'no-store', signal: signal ? AbortSignal.any([signal, limit]) : limit });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError(url, null, `GET ${url}: cannot reach the server (${e instanceof Error ? e.message : String(e)})`);
  }
  const text = await res.text();
  if (!res.ok) throw new ApiError(url, res.status, `GET ${url}: ${res.status} ${describeBody(text) || res.statusText}`);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(url, res.status, `GET ${url}: the answer is not JSON`);
  }
}

/**
 * Where writes go: the leading master (a follower's page sends them there directly; the leader
 * lets the cluster's masters in with CORS), '' while it is this page's master or unknown.
 */
let leaderBase = '';

/** From /master/state's `leader` (`master@ip:port`). */
export function rememberLeader(pid: string | undefined): void {
  const at = pid?.lastIndexOf('@') ?? -1;
  const where = pid !== undefined && at >= 0 ? pid.slice(at + 1) : '';
  const base = where === '' || where === location.host ? '' : `http://${where}`;
  if (base === leaderBase) return;
  leaderBase = base;
  for (const l of leaderListeners) l();
}

const leaderListeners = new Set<() => void>();

/** Called when the page learns of another leader (the event stream follows it). */
export function onLeaderChange(l: () => void): () => void {
  leaderListeners.add(l);
  return () => void leaderListeners.delete(l);
}

/** `path` on the leading master. */
export const leaderUrl = (path: string): string => `${leaderBase}${path}`;

/** This page's origin or another master's of the cluster: the ones the signed-in credentials go to. */
function isMasterOrigin(origin: string): boolean {
  return origin === location.origin || otherMasters.includes(origin) || (leaderBase !== '' && origin === leaderBase);
}

/**
 * A write to the leading master (credentials included); resolves with the answer's JSON (or
 * null when it has none), rejects with an ApiError that says what the server answered: a 401
 * asks the user to sign in, a 307 says this master is not the leader.
 */
export async function send<T = unknown>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T | null> {
  let res: Response;
  try {
    res = await fetch(leaderUrl(path), { method, redirect: 'manual', headers: headersFor(leaderUrl(path), body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (e) {
    throw new ApiError(path, null, `${method} ${path}: cannot reach the server (${e instanceof Error ? e.message : String(e)})`);
  }
  const text = res.type === 'opaqueredirect' ? '' : await res.text();
  if (res.ok) {
    try {
      return text === '' ? null : (JSON.parse(text) as T);
    } catch {
      return null;
    }
  }
  if (res.type === 'opaqueredirect' || res.status === 307) throw new ApiError(path, 307, 'the master this page took for the leader is not leading any more (a failover): retry in a moment');
  const why = describeBody(text) || res.statusText;
  throw new ApiError(path, res.status, res.status === 401 ? `401 ${why} (sign in: #/login)` : `${res.status} ${why}`);
}

// ---- masters: any master answers; followers 307 state reads to the leader (the browser follows).

/** Other masters to try when the one that served the page is down (Raft member ids: ip:port). */
let otherMasters: string[] = [];

export function rememberMasters(ids: readonly string[]): void {
  const here = location.host;
  // The other masters serve as this one does (--api-tls): over HTTPS from an HTTPS page.
  otherMasters = ids.filter((id) => id !== here).map((id) => `${location.protocol}//${id}`);
}

/** The master that answered last ('' = this page's); asked first next time. */
let preferred = '';

/**
 * GET from the master that answered last (at first this page's); if it cannot be reached, from
 * the other masters in turn (failover). An answer with an error status is the answer.
 */
export async function readMaster<T>(path: string, signal?: AbortSignal): Promise<T> {
  let firstError: unknown;
  for (const base of [...new Set([preferred, '', ...otherMasters])]) {
    try {
      const body = await getJson<T>(`${base}${path}`, signal);
      preferred = base;
      return body;
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== null) throw e;
      firstError ??= e;
    }
  }
  throw firstError;
}

/** `slave(1)@10.0.0.2:5051` -> `http://10.0.0.2:5051` (https on an HTTPS page). */
export function agentBase(pid: string): string | null {
  const at = pid.lastIndexOf('@');
  // A joined agent serves HTTPS as the masters do (--api-tls): the page's scheme.
  return at < 0 ? null : `${location.protocol}//${pid.slice(at + 1)}`;
}

export const filesUrl = (agent: string, op: 'read' | 'browse' | 'download', path: string, extra = ''): string =>
  `${agent}/files/${op}?path=${encodeURIComponent(path)}${extra}`;
