// Mesos's --rate_limits for frameworks: per principal, at most `qps` scheduler calls a second
// with a burst of `capacity`; principals not listed share `aggregate_default_qps` (one bucket
// for them all) when given, else are not limited. Over the limit: 429 (Mesos queues up to the
// capacity and then drops; over HTTP the call is refused and retried by the framework). Pure.
import { z } from 'zod';
import { FailureThrottle } from './auth-throttle.js';

const RateLimitsFile = z.strictObject({
  limits: z.array(z.strictObject({
    principal: z.string().min(1).max(128),
    qps: z.number().positive().max(1e6).optional(),
    capacity: z.number().int().min(0).max(1e6).optional(),
  })).max(10_000).default([]),
  aggregate_default_qps: z.number().positive().max(1e6).optional(),
  aggregate_default_capacity: z.number().int().min(0).max(1e6).optional(),
});

export interface RateLimit { qps: number; capacity: number }
export interface RateLimits {
  /** Principals listed without qps are not limited (as Mesos). */
  principals: ReadonlyMap<string, RateLimit | null>;
  aggregateDefault: RateLimit | null;
}

export class BadRateLimitsError extends Error {}

const limitOf = (qps: number, capacity: number | undefined): RateLimit => ({ qps, capacity: Math.max(1, capacity ?? Math.ceil(qps)) });

export function parseRateLimits(json: unknown): RateLimits {
  const r = RateLimitsFile.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.map(String).join('.');
    throw new BadRateLimitsError(`rate_limits${where ? `.${where}` : ''}: ${issue.message}`.slice(0, 400));
  }
  const principals = new Map<string, RateLimit | null>();
  for (const l of r.data.limits) {
    if (principals.has(l.principal)) throw new BadRateLimitsError(`rate_limits.limits: principal '${l.principal.slice(0, 128)}' is listed twice`);
    principals.set(l.principal, l.qps !== undefined ? limitOf(l.qps, l.capacity) : null);
  }
  const agg = r.data.aggregate_default_qps;
  return { principals, aggregateDefault: agg !== undefined ? limitOf(agg, r.data.aggregate_default_capacity) : null };
}

const UNLISTED = '\0unlisted';

/** The buckets of a master's --rate-limits. */
export class FrameworkRateLimiter {
  private readonly buckets = new Map<string, FailureThrottle>();

  constructor(private readonly limits: RateLimits, private readonly now: () => number) {}

  /** null: `principal` may make a call now (and it is counted); else the limit and ms to wait. */
  take(principal: string): { limit: RateLimit; retryAfterMs: number } | null {
    const listed = this.limits.principals.has(principal);
    const limit = listed ? this.limits.principals.get(principal)! : this.limits.aggregateDefault;
    if (limit === null) return null;
    const key = listed ? principal : UNLISTED;
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new FailureThrottle({ burst: limit.capacity, refillMs: 1000 / limit.qps, maxSources: 1, now: this.now })));
    const wait = bucket.retryAfterMs(key);
    if (wait > 0) return { limit, retryAfterMs: wait };
    bucket.failed(key); // a token bucket: a call takes a token
    return null;
  }
}
