import http from 'node:http';
import https from 'node:https';
import type { PeerCertificate } from 'node:tls';

// THE client stack for every outgoing request (agent -> master, Raft peers, the CLI): one
// HttpClient per process role, created with its options once, so transport security (TLS,
// a pinned CA) can later land in this file alone. Connections leave from a fixed source
// address when given: partition tests need every node's traffic to come from its own --ip.

export interface HttpClientOptions {
  /** Source address of every connection (the node's --ip). */
  localAddress?: string;
  /** Default deadline for the TCP connection (a blackholed peer never answers the SYN). Default 3000 ms. */
  connectTimeoutMs?: number;
  /**
   * Speak TLS to every target, trusting only the cluster CA (and presenting this node's
   * certificate). A function is asked for each new connection: a renewed certificate is used
   * without rebuilding the client. A function returning undefined means plain HTTP for now
   * (a master before it holds its certificate).
   */
  tls?: ClientTls | (() => ClientTls | undefined);
}

export interface ClientTls {
  /** The only CA trusted: the cluster's, pinned (never the system's roots). */
  caPem: string;
  /** This node's certificate and key, for servers that ask (mutual TLS). */
  certPem?: string;
  keyPem?: string;
  /**
   * The role (certificate OU) a server must have: another node of the cluster cannot pose as
   * a master. Host names are not checked: the CA pins the cluster, the role the kind of node.
   */
  serverRole: string;
}

/** Null when `cert` is a certificate of a `role` node, else why not (tls.checkServerIdentity's contract). */
function checkRole(role: string, cert: PeerCertificate): Error | undefined {
  const ou = cert.subject?.OU;
  return ou === role ? undefined : new Error(`the server's certificate is not a tsmesos ${role} certificate (OU ${String(ou)})`);
}

export interface HttpTarget {
  host: string;
  port: number;
  path: string;
  /** Default http. */
  scheme?: 'http' | 'https';
  /** https without certificate checks (Mesos's HTTPS health checks are `curl -k`). */
  insecure?: boolean;
  /** Aborts the request (its promise rejects). */
  signal?: AbortSignal;
}

/** A request the caller drives itself (streams): only where it goes and how it is sent. */
export interface RawRequestOptions extends HttpTarget {
  method?: string;
  headers?: Record<string, string>;
  /** A pool from keepAliveAgent(), or false (default) for a connection of its own. */
  agent?: http.Agent | false;
}

export interface RequestOptions extends HttpTarget {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** A pool from keepAliveAgent(), or false (default) for a connection of its own. */
  agent?: http.Agent | false;
  /** Idle timeout once connected. */
  timeoutMs?: number;
  /** Deadline for the TCP connection; default: the client's. */
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

/** Resolves a Mesos-style redirect `Location: //host:port/path` against the current target. */
export function followLocation(location: string, current: HttpTarget): HttpTarget | null {
  try {
    const u = new URL(location, `http://${current.host}:${current.port}${current.path}`);
    return { host: u.hostname, port: Number(u.port || 80), path: u.pathname + u.search };
  } catch {
    return null;
  }
}

export class HttpClient {
  constructor(private readonly options: HttpClientOptions = {}) {}

  /** THE place an outgoing request is created; the caller writes the body and reads the response. */
  createRequest(opts: RawRequestOptions): http.ClientRequest {
    const common = {
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
      host: opts.host,
      port: opts.port,
      path: opts.path,
      method: opts.method ?? 'GET',
      ...(opts.headers !== undefined ? { headers: opts.headers } : {}),
      ...(this.options.localAddress !== undefined ? { localAddress: this.options.localAddress } : {}),
      agent: opts.agent ?? false,
    };
    const tls = this.currentTls();
    if (tls) return https.request({ ...common, ...tlsOptions(tls) });
    // A one-off https request without the cluster's TLS (an agent's HTTPS health check; `insecure` like `curl -k`).
    if (opts.scheme === 'https') return https.request({ ...common, rejectUnauthorized: opts.insecure !== true });
    return http.request(common);
  }

  /** Whether requests go over TLS (for URLs in messages). */
  get scheme(): 'https' | 'http' {
    return this.currentTls() ? 'https' : 'http';
  }

  private currentTls(): ClientTls | undefined {
    const tls = this.options.tls;
    return typeof tls === 'function' ? tls() : tls;
  }

  /**
   * A pool of kept-alive connections for createRequest (at most `maxSockets` per peer). TLS
   * settings travel with each request, and https pools by them: a renewed certificate opens
   * new connections.
   */
  keepAliveAgent(maxSockets: number): http.Agent {
    return this.currentTls() ? new https.Agent({ keepAlive: true, maxSockets }) : new http.Agent({ keepAlive: true, maxSockets });
  }

  /** Opens a request and resolves with the response head; the caller consumes the stream. */
  open(opts: RequestOptions): Promise<{ req: http.ClientRequest; res: http.IncomingMessage }> {
    return new Promise((resolve, reject) => {
      const req = this.createRequest({
        host: opts.host,
        port: opts.port,
        path: opts.path,
        method: opts.method ?? 'GET',
        headers: { ...(opts.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(opts.body)) } : {}), ...opts.headers },
        ...(opts.agent !== undefined ? { agent: opts.agent } : {}),
        ...(opts.scheme !== undefined ? { scheme: opts.scheme } : {}),
        ...(opts.insecure !== undefined ? { insecure: opts.insecure } : {}),
        ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
      });
      if (opts.timeoutMs !== undefined) {
        req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`request to ${opts.host}:${opts.port}${opts.path} timed out`)));
      }
      const connectMs = opts.connectTimeoutMs ?? this.options.connectTimeoutMs ?? 3000;
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

  /** A whole request and its response body (10 s idle timeout unless given). */
  async request(opts: RequestOptions): Promise<HttpResponse> {
    const { res } = await this.open({ timeoutMs: 10_000, ...opts });
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') };
  }

  /** `request`, following up to `maxRedirects` Mesos-style 307s (`Location: //leader:port/path`) to the leader. */
  async requestFollowingRedirects(opts: RequestOptions, maxRedirects = 3): Promise<HttpResponse> {
    let target: RequestOptions = opts;
    for (let i = 0; ; i++) {
      const res = await this.request(target);
      const next = res.status === 307 && i < maxRedirects && typeof res.headers.location === 'string' ? followLocation(res.headers.location, target) : null;
      if (!next) return res;
      target = { ...target, ...next };
    }
  }
}

function tlsOptions(tls: ClientTls): { ca: string; cert?: string; key?: string; checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined } {
  return {
    ca: tls.caPem,
    ...(tls.certPem !== undefined ? { cert: tls.certPem } : {}),
    ...(tls.keyPem !== undefined ? { key: tls.keyPem } : {}),
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkRole(tls.serverRole, cert),
  };
}

/** For callers with no source address to keep (the CLI): the same stack with default options. */
export const defaultHttpClient = new HttpClient();
