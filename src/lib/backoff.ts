import type { Rng } from './rng.js';

// The one backoff helper.

/** base * 2^attempt, capped at max (Mesos status update retries: 10 s doubling to 10 min). */
export function exponentialDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
}

/** Random in [0, exponentialDelay] (Mesos agent registration style), so retrying peers spread out. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, rng: Rng): number {
  return Math.max(10, Math.floor(rng.next() * exponentialDelay(attempt, baseMs, maxMs)));
}
