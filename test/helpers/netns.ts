import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { BINARY, REPO, run, stopAtEnd, type Proc } from './process.js';

// Hosts on a non-loopback network, inside this machine: two network namespaces joined by a
// veth pair (iproute2; needs root). What runs in one reaches the other at its address, and
// nothing else: the NETWORK RULE of ../shared/reference/environment.md (traffic only to and from
// addresses inside namespaces the test created). 198.18.0.0/15 is the benchmarking range
// (RFC 2544), routed nowhere. The namespaces go at the end of the test file, pass or fail
// (stopAtEnd); a process still inside keeps its namespace alive until it is stopped too.

export interface NetnsHost {
  /** The namespace name (for `ip netns exec`). */
  ns: string;
  /** Its address on the link. */
  ip: string;
}

let pairs = 0;

const ip = (args: string[]): string => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Two namespaces, `a` at 198.18.0.1 and `b` at 198.18.0.2, on one veth link, loopback up in both. */
export function netnsPair(): { a: NetnsHost; b: NetnsHost } {
  const tag = `${process.pid % 100000}x${pairs++}`;
  const a: NetnsHost = { ns: `tsmt-${tag}-a`, ip: '198.18.0.1' };
  const b: NetnsHost = { ns: `tsmt-${tag}-b`, ip: '198.18.0.2' };
  const remove = (): void => {
    for (const h of [a, b]) {
      try {
        ip(['netns', 'del', h.ns]);
      } catch {
        // not created (a failed setup) or already gone
      }
    }
  };
  stopAtEnd(() => Promise.resolve(remove()));
  try {
    ip(['netns', 'add', a.ns]);
    ip(['netns', 'add', b.ns]);
    // Created inside the namespaces: no interface ever appears on the host.
    ip(['-n', a.ns, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1', 'netns', b.ns]);
    for (const [h, dev] of [[a, 'veth0'], [b, 'veth1']] as const) {
      ip(['-n', h.ns, 'link', 'set', 'lo', 'up']);
      ip(['-n', h.ns, 'addr', 'add', `${h.ip}/24`, 'dev', dev]);
      ip(['-n', h.ns, 'link', 'set', dev, 'up']);
    }
  } catch (e) {
    remove();
    const err = e as { stderr?: string; message: string };
    throw new Error(`cannot create network namespaces (root and iproute2 needed): ${err.stderr ?? err.message}`);
  }
  return { a, b };
}

/** `tsmesos <args>` inside `host`'s namespace (the built binary, or the source with TSMESOS_TEST_FROM_SOURCE=1). */
export function tsmesosIn(host: NetnsHost, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Proc {
  const cmd = process.env['TSMESOS_TEST_FROM_SOURCE'] === '1'
    ? [process.execPath, '--import', 'tsx', path.join(REPO, 'src', 'main.ts')]
    : [BINARY];
  return run(['netns', 'exec', host.ns, ...cmd, ...args], { cmd: 'ip', cwd: REPO, ...(opts.env !== undefined ? { env: opts.env } : {}) });
}

/** Runs a command to its end inside `host`'s namespace: exit code and output. */
export async function runIn(host: NetnsHost, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number | null; out: string }> {
  const p = run(['netns', 'exec', host.ns, ...args], { cmd: 'ip', ...(opts.env !== undefined ? { env: opts.env } : {}) });
  const t = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
  const { code } = await p.exited;
  clearTimeout(t);
  return { code, out: p.output() };
}

/** `tsmesos <args>` run to its end inside `host`'s namespace. */
export async function tsmesosRunIn(host: NetnsHost, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; out: string }> {
  const p = tsmesosIn(host, args, opts);
  const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
  const { code } = await p.exited;
  clearTimeout(t);
  return { code, out: p.output() };
}

export interface NsResponse {
  status: number;
  location?: string;
  body: string;
  /** The TLS error when the request failed. */
  error?: string;
}

// One HTTP(S) request made by a node process inside the namespace; TLS trusts only `caPem`.
const REQUEST_SCRIPT = `
const [url, method, headers, body, ca, cert, key] = JSON.parse(process.argv[1]);
const u = new URL(url);
const lib = require(u.protocol === 'https:' ? 'node:https' : 'node:http');
// No CA: TLS without checking the server (an impostor does not care who answers).
const tls = u.protocol === 'https:' ? (ca ? { ca } : { rejectUnauthorized: false }) : {};
const req = lib.request(u, { method, headers, ...tls, ...(cert ? { cert, key } : {}) }, (res) => {
  let data = '';
  res.setEncoding('utf8');
  res.on('data', (d) => (data += d));
  res.on('end', () => process.stdout.write(JSON.stringify({ status: res.statusCode, location: res.headers.location, body: data })));
});
req.setTimeout(10000, () => req.destroy(new Error('timed out')));
req.on('error', (e) => process.stdout.write(JSON.stringify({ status: 0, body: '', error: e.code || e.message })));
req.end(body || undefined);
`;

/** An HTTP(S) request from inside `host`'s namespace (a client on the network, not on the master's host). */
export async function requestIn(host: NetnsHost, url: string, opts: { method?: string; headers?: Record<string, string>; body?: string; caPem?: string; client?: { certPem: string; keyPem: string } } = {}): Promise<NsResponse> {
  const arg = JSON.stringify([url, opts.method ?? 'GET', opts.headers ?? {}, opts.body ?? '', opts.caPem ?? null, opts.client?.certPem ?? null, opts.client?.keyPem ?? null]);
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', host.ns, process.execPath, '-e', REQUEST_SCRIPT, arg], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(t);
      if (code === 0 && text.length > 0) resolve(text);
      else reject(new Error(`request in ${host.ns} failed (exit ${String(code)}): ${err.slice(0, 500)}`));
    });
  });
  return JSON.parse(out) as NsResponse;
}
