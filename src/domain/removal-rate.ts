import { TsmesosError } from './errors.js';
import { parseMesosDuration } from './mesos-duration.js';

// Mesos's --agent_removal_rate_limit: at most N agents marked unreachable per duration
// ("1/10mins"), so a network blip that silences many agents at once does not make the master
// give up on all of them (and their tasks) at once. Permits are spaced duration/N apart.

export interface RemovalRate {
  count: number;
  perMs: number;
}

/** "N/DURATION" (Mesos syntax, e.g. 1/10mins, 2/3hrs). */
export function parseRemovalRate(text: string): RemovalRate {
  const m = /^(\d{1,6})\/(.+)$/.exec(text.trim());
  const perMs = m ? parseMesosDuration(m[2]!) : null;
  if (!m || perMs === null || Number(m[1]) < 1 || perMs <= 0) {
    throw new TsmesosError('BAD_REQUEST', `'${text.slice(0, 60)}' is not a rate: expected agents/duration, e.g. 1/10mins`);
  }
  return { count: Number(m[1]), perMs };
}

/** Permits of a RemovalRate on a monotonic clock; null rate: every removal at once. */
export class RemovalLimiter {
  private nextAt = -Infinity;

  constructor(private readonly rate: RemovalRate | null) {}

  /** Takes a permit at `now` if one is free. */
  tryAcquire(now: number): boolean {
    if (this.rate === null) return true;
    if (now < this.nextAt) return false;
    this.nextAt = now + this.rate.perMs / this.rate.count;
    return true;
  }
}
