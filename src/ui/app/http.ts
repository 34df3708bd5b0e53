// Every request the UI makes: GETs of the public JSON APIs (legacy /master/state, Raft status,
// the agents' /state and /files/*). Errors carry the URL and the server's {code, message}.

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

/** GET a JSON document; any failure (network, status, body) is an ApiError naming the URL. */
export async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    // A host that is down on a real network may never answer: give up after TIMEOUT_MS.
    const limit = AbortSignal.timeout(TIMEOUT_MS);
    res = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store', signal: signal ? AbortSignal.any([signal, limit]) : limit });
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
