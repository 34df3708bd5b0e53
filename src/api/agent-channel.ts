import { Hono } from 'hono';
import { TsmesosError } from '../domain/errors.js';
import type { Leadership } from '../master/leadership.js';
import { decodeOwn } from '../wire/codec.js';
import { AGENT_CHANNEL_PATH, AgentCall } from '../wire/agent-channel.js';
import { checkV1Headers, readJsonBody } from './http-errors.js';
import { confirmedLeaderOrRedirect } from './leader-gate.js';

const MAX_BODY = 16 * 1024 * 1024;

/**
 * Agents SUBSCRIBE here and get a RecordIO stream of commands (LAUNCH, KILL,
 * ACKNOWLEDGED, ...); they send status UPDATEs as separate calls. The same path
 * serves a co-located agent (`--role all`) and a remote one.
 */
export function agentChannelApp(leadership: Leadership): Hono {
  const app = new Hono();
  app.all(AGENT_CHANNEL_PATH, async (c) => {
    if (c.req.method !== 'POST') throw new TsmesosError('METHOD_NOT_ALLOWED', 'the agent channel accepts POST only');
    checkV1Headers(c);
    const call = decodeOwn(AgentCall, await readJsonBody(c, MAX_BODY), 'call');
    const gated = await confirmedLeaderOrRedirect(c, leadership);
    if (gated instanceof Response) return gated;
    switch (call.type) {
      case 'SUBSCRIBE': {
        const stream = await gated.agentCalls.subscribe(call);
        return new Response(stream.body, { status: 200, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' } });
      }
      case 'HEARTBEAT':
        gated.agentCalls.heartbeat(call);
        return c.body(null, 202);
      case 'UPDATE':
        gated.agentCalls.update(call);
        return c.body(null, 202);
    }
  });
  return app;
}
