import type { Context } from 'hono';
import { TsmesosError } from '../domain/errors.js';
import type { Leadership } from '../master/leadership.js';
import type { Master } from '../master/master.js';

/**
 * Leader-only endpoints: the local master when leading; otherwise a 307 to the
 * leader (Mesos: `Location: //host:port/path`) or 503 when none is known.
 */
export function leaderOrRedirect(c: Context, leadership: Leadership): Master | Response {
  const m = leadership.master();
  if (m) return m;
  const leader = leadership.leader();
  if (!leader) throw new TsmesosError('UNAVAILABLE', 'no leading master is known right now; retry shortly');
  const url = new URL(c.req.url);
  c.header('Location', `//${leader.ip}:${leader.port}${url.pathname}${url.search}`);
  return c.json({ code: 'NOT_LEADER', message: `this master is not the leader; the leader is ${leader.ip}:${leader.port}` }, 307);
}

/**
 * Like leaderOrRedirect, then waits for the read barrier so that what the handler reads
 * (registry, scheduling state) is current: a deposed leader that has not noticed yet
 * cannot serve stale answers or act on them.
 */
export async function confirmedLeaderOrRedirect(c: Context, leadership: Leadership): Promise<Master | Response> {
  const m = leaderOrRedirect(c, leadership);
  if (m instanceof Response) return m;
  try {
    await leadership.readBarrier();
  } catch (e) {
    throw new TsmesosError('UNAVAILABLE', `could not confirm leadership: ${e instanceof Error ? e.message : String(e)}; retry`);
  }
  return leadership.master() === m ? m : leaderOrRedirect(c, leadership);
}
