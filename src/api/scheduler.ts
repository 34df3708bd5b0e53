import { Hono } from 'hono';
import { TsmesosError } from '../domain/errors.js';
import type { Leadership } from '../master/leadership.js';
import { decode } from '../wire/codec.js';
import { Call } from '../wire/scheduler.js';
import { schedulerStream } from '../wire/streams.js';
import { checkV1Headers, readJsonBody, streamContentHeaders } from './http-errors.js';
import { confirmedLeaderOrRedirect } from './leader-gate.js';
import { principalOf, requireAllowed } from './http-auth.js';
import { frameworkRoles } from '../master/framework-info.js';

export const SCHEDULER_MAX_BODY = 4 * 1024 * 1024;

/** `POST /api/v1/scheduler` (Mesos scheduler HTTP API, JSON): decode, gate, hand to the master's call surface. */
export function schedulerApp(leadership: Leadership): Hono {
  const app = new Hono();
  app.all('/api/v1/scheduler', async (c) => {
    if (c.req.method !== 'POST') throw new TsmesosError('METHOD_NOT_ALLOWED', 'the scheduler API accepts POST only');
    checkV1Headers(c);
    const call = decode(Call, await readJsonBody(c, SCHEDULER_MAX_BODY), 'call');
    const gated = await confirmedLeaderOrRedirect(c, leadership);
    if (gated instanceof Response) return gated;
    const calls = gated.schedulerCalls;
    const streamHeader = c.req.header('mesos-stream-id');
    if (call.type === 'SUBSCRIBE') {
      if (streamHeader !== undefined) throw new TsmesosError('BAD_REQUEST', 'SUBSCRIBE must not carry a Mesos-Stream-Id header');
      // Mesos: an authenticated framework's FrameworkInfo.principal, when set, is the principal it
      // authenticated as; when not set, it becomes that principal.
      const principal = principalOf(c);
      const info = call.subscribe?.framework_info;
      if (principal !== undefined && info) {
        if (info.principal !== undefined && info.principal !== principal) {
          throw new TsmesosError('BAD_REQUEST', `Failed to validate scheduler::Call: Authenticated principal '${principal}' does not match principal '${info.principal.slice(0, 200)}' set in \`FrameworkInfo\``);
        }
        info.principal ??= principal;
      }
      if (info) for (const role of frameworkRoles(info)) requireAllowed(c, 'register_frameworks', role, `register a framework with role '${role.slice(0, 256)}'`);
      const framing = streamContentHeaders(c.req.header('accept'), c.req.header('message-accept'));
      const outcome = await calls.subscribe(call);
      if (!outcome.ok) {
        // Mesos: 200, a stream id, and one ERROR event whose message says what was wrong.
        const stream = schedulerStream();
        stream.send({ type: 'ERROR', error: { message: outcome.message } });
        stream.close();
        return new Response(stream.body, { status: 200, headers: { ...framing, 'Mesos-Stream-Id': gated.ctx.rng.uuid(), 'Cache-Control': 'no-cache' } });
      }
      return new Response(outcome.stream.body, {
        status: 200,
        headers: { ...framing, 'Mesos-Stream-Id': outcome.streamId, 'Cache-Control': 'no-cache' },
      });
    }
    const fw = calls.authorize(call, streamHeader);
    if (call.type === 'ACCEPT') {
      // run_tasks: the user each task runs as (its command's, else its framework's).
      const frameworkUser = fw.info.user ?? '';
      for (const op of call.accept?.operations ?? []) {
        for (const task of [...(op.launch?.task_infos ?? []), ...(op.launch_group?.task_group.tasks ?? [])]) {
          const user = task.command?.user ?? frameworkUser;
          requireAllowed(c, 'run_tasks', user, `run tasks as user '${user.slice(0, 256)}'`);
        }
      }
    }
    await calls.execute(fw, call);
    // UPDATE_FRAMEWORK is synchronous in Mesos (200 once applied); the rest are 202.
    return c.body(null, call.type === 'UPDATE_FRAMEWORK' ? 200 : 202);
  });
  return app;
}
