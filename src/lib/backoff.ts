import type { Rng } from './rng.js';

/** The one backoff helper: random in [0, min(max, base * 2^attempt)] (Mesos agent registration style). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, rng: Rng): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.max(10, Math.floor(rng.next() * cap));
}
