import type { HttpResponse } from '../lib/http-client.js';
import { MasterHttpError, cliBearer, requestMaster } from './master-http.js';
import { masterTarget } from './status.js';

// The cluster commands (task, agent, framework) are thin clients of the master's legacy JSON
// endpoints (not v1 JSON, which only src/wire reads): one request through the one HttpClient,
// 307s to the leader followed.

export class CliFailure extends Error {}

export interface MasterOptions {
  master?: string;
  json?: boolean;
}

/** GET `path` on the leading master; a failure to reach it or a non-200 is a CliFailure naming the master. */
export async function masterGet<T>(opts: MasterOptions, path: string): Promise<T> {
  const res = await send(opts, { path });
  return JSON.parse(res.body) as T;
}

/** POST a form body to the leading master; 200 expected. */
export async function masterPostForm(opts: MasterOptions, path: string, form: Record<string, string>): Promise<void> {
  await send(opts, { path, method: 'POST', body: new URLSearchParams(form).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
}

/** POST a JSON body to the leading master; 200 expected. */
export async function masterPostJson(opts: MasterOptions, path: string, body: unknown): Promise<void> {
  await send(opts, { path, method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
}

/** DELETE on the leading master; 200 expected. */
export async function masterDelete(opts: MasterOptions, path: string): Promise<void> {
  await send(opts, { path, method: 'DELETE' });
}

/**
 * POST an operator call to the leading master's /api/v1 (actions only: their answer is an empty
 * 200, or 202 for RESERVE/UNRESERVE_RESOURCES, so no v1 JSON is read here); a 4xx is a
 * CliFailure with the master's message.
 */
export async function operatorAction(opts: MasterOptions, call: Record<string, unknown>, status: 200 | 202 = 200): Promise<void> {
  await send(opts, { path: '/api/v1', method: 'POST', body: JSON.stringify(call), headers: { 'Content-Type': 'application/json', Accept: 'application/json' } }, status === 202);
}

/** A JSON request to the leading master (the /v2 API); any 2xx is success, its JSON body the result. */
export async function masterJson<T>(opts: MasterOptions, path: string, req: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await send(opts, {
    path, method: req.method ?? 'GET',
    ...(req.body !== undefined ? { body: JSON.stringify(req.body), headers: { 'Content-Type': 'application/json' } } : {}),
  }, true);
  // A 2xx without a body (202, 204) is null.
  return (res.body.trim() === '' ? null : JSON.parse(res.body)) as T;
}

async function send(opts: MasterOptions, req: { path: string; method?: string; body?: string; headers?: Record<string, string> }, any2xx = false): Promise<HttpResponse> {
  const target = masterTarget(opts.master);
  let res: HttpResponse;
  try {
    const bearer = cliBearer();
    res = await requestMaster(target, { ...req, timeoutMs: 5000 }, bearer !== undefined ? { bearer } : {});
  } catch (e) {
    if (e instanceof MasterHttpError) throw new CliFailure(e.message);
    throw new CliFailure(`cannot reach the master at ${target.host}:${target.port}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (any2xx ? res.status < 200 || res.status > 299 : res.status !== 200) {
    let message = res.body.slice(0, 300);
    try {
      const parsed = JSON.parse(res.body) as { message?: string; details?: { path: string; errors: string[] }[] };
      message = parsed.message ?? message;
      // Marathon's validation details: which field and why.
      if (parsed.details !== undefined) message += ': ' + parsed.details.slice(0, 5).map((d) => `${d.path} ${d.errors.join('; ')}`).join(', ');
    } catch {
      // not JSON: keep the text
    }
    throw new CliFailure(`master answered ${res.status}: ${message}`);
  }
  return res;
}

/** A plain text table: a header row and left-aligned columns two spaces apart. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** Runs a command's body: a CliFailure prints `tsmesos <command>: message` and exits 1. */
export async function runCommand(name: string, setExit: (code: number) => void, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (!(e instanceof CliFailure)) throw e;
    process.stderr.write(`tsmesos ${name}: ${e.message}\n`);
    setExit(1);
  }
}

export const fmt = (n: number | string | undefined): string => (typeof n === 'number' ? String(Math.round(n * 1000) / 1000) : String(n ?? 0));
