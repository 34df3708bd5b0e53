import type { Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { HTTP_STATUS, TsmesosError, toTsmesosError } from '../domain/errors.js';
import type { Logger } from '../lib/log.js';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The single mapping from errors to the wire: status from the code table, body `{code, message}`. */
export function errorResponse(c: Context, err: TsmesosError): Response {
  const status = HTTP_STATUS[err.code] as ContentfulStatusCode;
  return c.json({ code: err.code, message: err.message }, status);
}

export function installErrorHandling(app: Hono, log: Logger): void {
  app.onError((e, c) => {
    if (e instanceof HTTPException) {
      const code = e.status === 413 ? 'PAYLOAD_TOO_LARGE' : e.status === 400 ? 'BAD_REQUEST' : 'INTERNAL';
      return errorResponse(c, new TsmesosError(code, e.message || 'request rejected'));
    }
    let err = toTsmesosError(e);
    // A 307 needs a Location; a NOT_LEADER raised mid-request (leadership lost while a
    // proposal was in flight) has none, so it becomes a retryable 503.
    if (err.code === 'NOT_LEADER') err = new TsmesosError('UNAVAILABLE', `${err.message}; retry`);
    if (err.code === 'INTERNAL') log.error('request failed', { path: c.req.path, error: e instanceof Error ? e.stack : String(e) });
    return errorResponse(c, err);
  });
  app.notFound((c) => errorResponse(c, new TsmesosError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`)));
}

// Also used by the Raft peer endpoints (src/consensus), which may not import the api layer.
export { readJsonBody } from '../lib/http-body.js';

/** v1 API content negotiation (Mesos compares Content-Type literally). */
export function checkV1Headers(c: Context): void {
  const ct = c.req.header('content-type');
  if (ct === undefined) throw new TsmesosError('BAD_REQUEST', 'missing Content-Type header; expected application/json');
  if (ct === 'application/x-protobuf') throw new TsmesosError('UNSUPPORTED_MEDIA_TYPE', 'protobuf is not supported yet; use application/json');
  if (ct !== 'application/json') throw new TsmesosError('UNSUPPORTED_MEDIA_TYPE', `unsupported Content-Type '${ct.slice(0, 100)}'; expected application/json`);
  const accept = c.req.header('accept');
  if (accept !== undefined && !acceptsJson(accept)) throw new TsmesosError('NOT_ACCEPTABLE', `cannot produce '${accept.slice(0, 100)}'; only application/json (or recordio of it)`);
}

/** The media types of an Accept-style header, parameters dropped, lower-cased. */
function mediaTypes(header: string): string[] {
  return header.split(',').map((part) => part.split(';')[0]?.trim().toLowerCase() ?? '');
}

const ANY_JSON = ['*/*', 'application/*', 'application/json'];

function acceptsJson(accept: string): boolean {
  return mediaTypes(accept).some((t) => ANY_JSON.includes(t) || t === 'application/recordio');
}

/**
 * Stream framing headers (Mesos docs/recordio.md): a client asking for `application/recordio`
 * gets that Content-Type plus `Message-Content-Type` for the records; others get the
 * classic `application/json` (records are RecordIO-framed JSON either way).
 */
export function streamContentHeaders(accept: string | undefined, messageAccept: string | undefined): Record<string, string> {
  if (accept === undefined || !mediaTypes(accept).includes('application/recordio')) return { 'Content-Type': 'application/json' };
  if (messageAccept !== undefined && !mediaTypes(messageAccept).some((t) => ANY_JSON.includes(t))) {
    throw new TsmesosError('NOT_ACCEPTABLE', `cannot produce records as '${messageAccept.slice(0, 100)}'; only application/json`);
  }
  return { 'Content-Type': 'application/recordio', 'Message-Content-Type': 'application/json' };
}
