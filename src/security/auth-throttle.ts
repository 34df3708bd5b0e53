// Failed authentication, limited per source address (a token bucket each): a source may fail
// `burst` times in a row, then once per `refillMs`; while its bucket is empty, every request
// of it that carries credentials (or a join secret) is answered 429 before they are checked,
// so guessing secrets, join tokens or the admin credential runs at that pace at most. Requests
// without credentials cost nothing and are never held back. Pure: the clock is passed in.

export interface FailureThrottleOptions {
  /** Failures allowed in a row (default 10). */
  burst?: number;
  /** One more failure allowed per this many ms (default 6000: 10 a minute). */
  refillMs?: number;
  /** Sources remembered at most (oldest forgotten first; default 10000). */
  maxSources?: number;
  /** Monotonic milliseconds. */
  now: () => number;
}

interface Bucket { tokens: number; at: number }

export class FailureThrottle {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;
  private readonly refillMs: number;
  private readonly maxSources: number;

  constructor(private readonly opts: FailureThrottleOptions) {
    this.burst = opts.burst ?? 10;
    this.refillMs = opts.refillMs ?? 6000;
    this.maxSources = opts.maxSources ?? 10_000;
  }

  private refilled(source: string): Bucket | undefined {
    const b = this.buckets.get(source);
    if (!b) return undefined;
    const now = this.opts.now();
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) / this.refillMs);
    b.at = now;
    if (b.tokens >= this.burst) this.buckets.delete(source); // full again: nothing to remember
    return b;
  }

  /** Milliseconds until `source` may try credentials again; 0: now. */
  retryAfterMs(source: string): number {
    const b = this.refilled(source);
    return b === undefined || b.tokens >= 1 ? 0 : Math.ceil((1 - b.tokens) * this.refillMs);
  }

  /** `source` failed to authenticate once. */
  failed(source: string): void {
    const b = this.refilled(source) ?? { tokens: this.burst, at: this.opts.now() };
    b.tokens = Math.max(0, b.tokens - 1);
    this.buckets.delete(source);
    this.buckets.set(source, b); // most recent last
    while (this.buckets.size > this.maxSources) this.buckets.delete(this.buckets.keys().next().value!);
  }

  /** Sources being throttled or remembered (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }
}
