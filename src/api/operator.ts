import { Hono } from 'hono';
import { TsmesosError } from '../domain/errors.js';
import type { Leadership } from '../master/leadership.js';
import { ANY_MASTER_CALLS, callType, isAcceptedCall, localResponse } from '../master/operator-calls.js';
import { decode, encode } from '../wire/codec.js';
import { stringifyJson } from '../lib/json-fragment.js';
import { OperatorCall, OperatorResponse } from '../wire/operator.js';
import { checkV1Headers, readJsonBody, streamContentHeaders } from './http-errors.js';
import { confirmedLeaderOrRedirect } from './leader-gate.js';
import { requireAllowed } from './http-auth.js';
import type { LogVerbosity } from '../lib/log.js';

export const OPERATOR_MAX_BODY = 1024 * 1024;

/**
 * `POST /api/v1` (Mesos operator API v1, JSON): decode, gate on leadership (GET_HEALTH,
 * GET_FLAGS, GET_VERSION and GET/SET_LOGGING_LEVEL are answered by any master), hand to the
 * master's operator call surface. Actions answer an empty 200 (RESERVE/UNRESERVE_RESOURCES 202), as in Mesos.
 */
export function operatorApp(leadership: Leadership, flags: Readonly<Record<string, string>>, verbosity: LogVerbosity): Hono {
  const app = new Hono();
  app.all('/api/v1', async (c) => {
    if (c.req.method !== 'POST') throw new TsmesosError('METHOD_NOT_ALLOWED', 'the operator API accepts POST only');
    checkV1Headers(c);
    const call = decode(OperatorCall, await readJsonBody(c, OPERATOR_MAX_BODY), 'call');
    const type = callType(call);
    if (ANY_MASTER_CALLS.has(type)) {
      const local = localResponse(call, flags, verbosity);
      return local === null ? c.body(null, 200) : c.json(encode(OperatorResponse, local));
    }
    const framing = type === 'SUBSCRIBE' ? streamContentHeaders(c.req.header('accept'), c.req.header('message-accept')) : null;
    const gated = await confirmedLeaderOrRedirect(c, leadership);
    if (gated instanceof Response) return gated;
    if (framing !== null) {
      const stream = gated.operatorCalls.subscribe();
      return new Response(stream.body, { status: 200, headers: { ...framing, 'Cache-Control': 'no-cache' } });
    }
    if (type === 'TEARDOWN') {
      const id = call.teardown?.framework_id.value;
      const fw = id !== undefined ? gated.ctx.state.frameworks.get(id) : undefined;
      if (fw) requireAllowed(c, 'teardown_frameworks', fw.info.principal, `tear down framework ${fw.id}`);
    }
    const response = await gated.operatorCalls.execute(call, leadership.electedTime());
    if (response === null) return c.body(null, isAcceptedCall(type) ? 202 : 200);
    return c.body(stringifyJson(encode(OperatorResponse, response)), 200, { 'Content-Type': 'application/json' });
  });
  return app;
}
