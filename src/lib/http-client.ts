import http from 'node:http';

// Node http client with a fixed source address: partition tests need every
// node's connections to leave from its own --ip (environment.md).

export interface HttpTarget {
  host: string;
  port: number;
  path: string;
}

export interface RequestOptions extends HttpTarget {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  localAddress?: string;
  /** Idle timeout once connected. */
  timeoutMs?: number;
  /** Deadline for the TCP connection (a blackholed peer never answers the SYN). Default 3000 ms. */
  connectTimeoutMs?: number;
  /** Deadline for the response head. Default: none. */
  responseTimeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Parses `host:port` (port required). */
export function parseHostPort(s: string): { host: string; port: number } | null {
  const m = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(s.trim());
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1]!, port };
}

/** Opens a request and resolves with the response head; the caller consumes the stream. */
export function openRequest(opts: RequestOptions): Promise<{ req: http.ClientRequest; res: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: opts.host,
      port: opts.port,
      path: opts.path,
      method: opts.method ?? 'GET',
      headers: { ...(opts.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(opts.body)) } : {}), ...opts.headers },
      ...(opts.localAddress !== undefined ? { localAddress: opts.localAddress } : {}),
      agent: false,
    });
    if (opts.timeoutMs !== undefined) {
      req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`request to ${opts.host}:${opts.port}${opts.path} timed out`)));
    }
    const connectMs = opts.connectTimeoutMs ?? 3000;
    req.on('socket', (sock) => {
      if (!sock.connecting) return;
      const t = setTimeout(() => req.destroy(new Error(`connecting to ${opts.host}:${opts.port} timed out after ${connectMs} ms`)), connectMs);
      sock.once('connect', () => clearTimeout(t));
      sock.once('close', () => clearTimeout(t));
    });
    let responseTimer: NodeJS.Timeout | undefined;
    if (opts.responseTimeoutMs !== undefined) {
      const ms = opts.responseTimeoutMs;
      responseTimer = setTimeout(() => req.destroy(new Error(`no response from ${opts.host}:${opts.port} within ${ms} ms`)), ms);
    }
    req.on('error', (e) => {
      clearTimeout(responseTimer);
      reject(e);
    });
    req.on('response', (res) => {
      clearTimeout(responseTimer);
      resolve({ req, res });
    });
    req.end(opts.body);
  });
}

export async function request(opts: RequestOptions): Promise<HttpResponse> {
  const { res } = await openRequest({ timeoutMs: 10_000, ...opts });
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') };
}

/** Resolves a Mesos-style redirect `Location: //host:port/path` against the current target. */
export function followLocation(location: string, current: HttpTarget): HttpTarget | null {
  try {
    const u = new URL(location, `http://${current.host}:${current.port}${current.path}`);
    return { host: u.hostname, port: Number(u.port || 80), path: u.pathname + u.search };
  } catch {
    return null;
  }
}

/** `request`, following up to `maxRedirects` Mesos-style 307s (`Location: //leader:port/path`) to the leader. */
export async function requestFollowingRedirects(opts: RequestOptions, maxRedirects = 3): Promise<HttpResponse> {
  let target: RequestOptions = opts;
  for (let i = 0; ; i++) {
    const res = await request(target);
    const next = res.status === 307 && i < maxRedirects && typeof res.headers.location === 'string' ? followLocation(res.headers.location, target) : null;
    if (!next) return res;
    target = { ...target, ...next };
  }
}
