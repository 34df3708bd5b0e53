import fs from 'node:fs';
import path from 'node:path';
import { HttpClient, defaultHttpClient, type HttpResponse, type RequestOptions } from '../lib/http-client.js';
import { defaultDataDir } from './flags.js';
import { FILES, readAdminFile, tlsDir } from '../security/files.js';

// How the CLI reaches a master's API: plain HTTP unless the URL is https://; a master serving
// its API over HTTPS (--api-tls) answers plain HTTP with a 308 to https, which is followed over
// TLS pinned to the cluster CA (never the system's roots): TSMESOS_CA_FILE (a PEM file, e.g.
// saved from `tsmesos ca cert`), else the CA in the local data dir (a master's or an agent's).

export interface MasterUrl {
  host: string;
  port: number;
  scheme: 'http' | 'https';
}

/** Thrown when the CLI cannot speak to the master the way it must (no CA to pin, a bad redirect). */
export class MasterHttpError extends Error {}

/** The pinned cluster CA and where it came from, or null when none is at hand. */
export function pinnedClusterCa(env: NodeJS.ProcessEnv = process.env, dataDir?: string): { pem: string; source: string } | null {
  const file = env['TSMESOS_CA_FILE'];
  if (file !== undefined && file.length > 0) {
    try {
      return { pem: fs.readFileSync(file, 'utf8'), source: file };
    } catch (e) {
      throw new MasterHttpError(`cannot read TSMESOS_CA_FILE ${file.slice(0, 200)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  const dir = path.resolve(dataDir ?? env['TSMESOS_DATA_DIR'] ?? defaultDataDir(env));
  for (const role of ['master', 'agent']) {
    const f = path.join(tlsDir(path.join(dir, role)), FILES.caCert);
    try {
      return { pem: fs.readFileSync(f, 'utf8'), source: f };
    } catch {
      // not there (or not readable): the next place
    }
  }
  return null;
}

const NO_CA = 'no cluster CA to trust: set TSMESOS_CA_FILE to a file with the output of `tsmesos ca cert` (run on a master host), or run this where the data dir (--data-dir / TSMESOS_DATA_DIR) holds it';

/** A TLS client that trusts only the cluster CA and expects a master's certificate. */
export function pinnedMasterClient(env: NodeJS.ProcessEnv = process.env, dataDir?: string, fallbackCaPem?: string): HttpClient {
  const ca = pinnedClusterCa(env, dataDir);
  const pem = ca?.pem ?? fallbackCaPem;
  if (pem === undefined) throw new MasterHttpError(`the master serves HTTPS; ${NO_CA}`);
  return new HttpClient({ tls: { caPem: pem, serverRole: 'master' } });
}

/** The https target of a 308 from a master (its API is HTTPS only), or null for any other answer. */
function httpsRedirect(res: HttpResponse): { host: string; port: number; path: string } | null {
  const location = res.headers.location;
  if (res.status !== 308 || typeof location !== 'string') return null;
  let u: URL;
  try {
    u = new URL(location);
  } catch {
    return null;
  }
  return u.protocol === 'https:' ? { host: u.hostname, port: Number(u.port || 443), path: u.pathname + u.search } : null;
}

/**
 * One request to the master at `target` (307s to the leader followed), moving to TLS pinned to
 * the cluster CA when the URL is https:// or the master redirects to https. `client` is the one
 * to start with (default: plain HTTP, or the pinned client for https://).
 */
export async function requestMaster(target: MasterUrl, req: Omit<RequestOptions, 'host' | 'port'>, opts: { env?: NodeJS.ProcessEnv; dataDir?: string; client?: HttpClient; bearer?: string } = {}): Promise<HttpResponse> {
  const env = opts.env ?? process.env;
  const first = opts.client ?? (target.scheme === 'https' ? pinnedMasterClient(env, opts.dataDir) : defaultHttpClient);
  // A credential goes only where no one on the network reads it: over TLS, or to a loopback address.
  const withBearer = (r: Omit<RequestOptions, 'host' | 'port'>): Omit<RequestOptions, 'host' | 'port'> =>
    opts.bearer === undefined ? r : { ...r, headers: { ...r.headers, Authorization: `Bearer ${opts.bearer}` } };
  const safe = first.scheme === 'https' || isLoopbackHost(target.host);
  const res = await first.requestFollowingRedirects({ ...(safe ? withBearer(req) : req), host: target.host, port: target.port });
  const next = httpsRedirect(res);
  if (!next) return res;
  if (first.scheme === 'https') throw new MasterHttpError(`the master at ${target.host}:${target.port} redirected a TLS request to ${next.host}:${next.port}`);
  return pinnedMasterClient(env, opts.dataDir).requestFollowingRedirects({ ...withBearer(req), ...next });
}

const isLoopbackHost = (host: string): boolean => host.startsWith('127.') || host === 'localhost';

/** The credential read commands send when the master asks for one (--authenticate-http-readonly): TSMESOS_TOKEN, else the data dir's admin credential. */
export function cliBearer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env['TSMESOS_TOKEN'];
  if (fromEnv !== undefined && fromEnv.length > 0) return fromEnv;
  try {
    return readAdminFile(path.resolve(env['TSMESOS_DATA_DIR'] ?? defaultDataDir(env)))?.token;
  } catch {
    return undefined;
  }
}
