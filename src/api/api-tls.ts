import type { MiddlewareHandler } from 'hono';
import { tlsSocketOf } from '../lib/http-server.js';
import { AGENT_CHANNEL_PATH } from '../wire/agent-channel.js';
import { CA_PATH } from '../security/paths.js';

// --api-tls: HTTPS for the user-facing API and UI. The master port always speaks TLS (told
// apart from plain HTTP by the first byte, for Raft and agents); with HTTPS on, a plain-HTTP
// request to the API or UI gets a 308 to the same URL over https (method and body kept), so
// no browser or client keeps talking in clear. Left on plain HTTP, each with its own
// authentication: the CA certificate (public; a joining node checks its hash against the
// token), the Raft endpoints (founding masters bootstrap over plain HTTP before the CA exists,
// and refuse plain HTTP after) and the agent channel (plain agents only with --agent-tls optional).

/** Paths a plain-HTTP request may still reach with HTTPS on. */
function staysPlain(path: string): boolean {
  return path === CA_PATH || path === AGENT_CHANNEL_PATH || path.startsWith(`${AGENT_CHANNEL_PATH}/`) || path.startsWith('/tsmesos/raft/v1/');
}

/** A Host header worth echoing into a Location (a name or IPv4 and an optional port), else null. */
function safeHost(host: string | undefined): string | null {
  return host !== undefined && /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/.test(host) ? host : null;
}

/**
 * Redirects plain-HTTP requests to https while `https()` is true (HTTPS on and this master
 * holds its certificate: before that there is nothing to redirect to). `self` is the address
 * used when the request names no usable Host.
 */
export function redirectPlainToHttps(https: () => boolean, self: { ip: string; port: number }): MiddlewareHandler {
  return async (c, next) => {
    const fromNetwork = (c.env as { incoming?: unknown } | undefined)?.incoming !== undefined;
    if (!fromNetwork || !https() || tlsSocketOf(c.env) !== null || staysPlain(c.req.path)) {
      await next();
      return;
    }
    const url = new URL(c.req.url);
    const location = `https://${safeHost(c.req.header('host')) ?? `${self.ip}:${self.port}`}${url.pathname}${url.search}`;
    c.header('Location', location);
    return c.json({ code: 'HTTPS_REQUIRED', message: `this master serves its API over HTTPS only (--api-tls): use ${location} (trust the cluster CA: \`tsmesos ca cert\`)` }, 308);
  };
}
