import type { Context } from 'hono';
import { TsmesosError } from '../domain/errors.js';
import type { Leadership } from '../master/leadership.js';
import type { Master } from '../master/master.js';
import { redirectToLeader } from '../lib/leader-redirect.js';

/**
 * Leader-only endpoints: the local master when leading; otherwise a 307 to the
 * leader (Mesos: `Location: //host:port/path`) or 503 when none is known.
 */
export function leaderOrRedirect(c: Context, leadership: Leadership): Master | Response {
  const m = leadership.master();
  if (m) return m;
  const leader = leadership.leader();
  return redirectToLeader(c, leader && { host: leader.ip, port: leader.port });
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
