// Health checks with Mesos's semantics (src/checks/health_checker.cpp and the command executor):
// the first check runs delay after the checker starts, the next one interval after the previous
// finished or timed out; failures inside the grace period are ignored until the first success;
// every counted failure is reported (healthy false), a success only when it changes the verdict
// (the first one, or the first after failures); consecutive_failures failures kill the task.
import type { HealthCheckSpec } from '../domain/task-spec.js';
import type { Clock, Timer } from '../lib/clock.js';

export interface HealthVerdict {
  healthy: boolean;
  consecutiveFailures: number;
  /** The task must be killed (consecutive failures reached the limit). */
  killTask: boolean;
}

/** The bookkeeping alone: what each probe result means, given when the checker started. */
export class HealthCheckState {
  private initializing = true;
  private failures = 0;

  constructor(
    private readonly policy: Pick<HealthCheckSpec, 'gracePeriodMs' | 'consecutiveFailures'>,
    private readonly startedAt: number,
  ) {}

  /** A verdict to report, or null when this success changes nothing. */
  success(): HealthVerdict | null {
    const report = this.initializing || this.failures > 0;
    this.initializing = false;
    this.failures = 0;
    return report ? { healthy: true, consecutiveFailures: 0, killTask: false } : null;
  }

  /** A verdict to report, or null while the grace period hides the failure. */
  failure(now: number): HealthVerdict | null {
    if (this.initializing && this.policy.gracePeriodMs > 0 && now - this.startedAt <= this.policy.gracePeriodMs) return null;
    this.failures++;
    return { healthy: false, consecutiveFailures: this.failures, killTask: this.failures >= this.policy.consecutiveFailures };
  }
}

/** One check: resolves when healthy, rejects with the reason otherwise; `signal` aborts it (timeout, stop). */
export type HealthProbe = (signal: AbortSignal) => Promise<void>;

/** A zero interval would probe in a tight loop; Mesos allows it, we space checks by at least this. */
export const MIN_HEALTH_INTERVAL_MS = 100;

/** Drives the probe on the clock and reports verdicts; stop() ends it (no report after stop). */
export class HealthChecker {
  private readonly state: HealthCheckState;
  private timer: Timer | null = null;
  private stopped = false;
  private inFlight: AbortController | null = null;

  constructor(
    private readonly spec: Pick<HealthCheckSpec, 'delayMs' | 'intervalMs' | 'timeoutMs' | 'gracePeriodMs' | 'consecutiveFailures'>,
    private readonly probe: HealthProbe,
    private readonly clock: Clock,
    private readonly onVerdict: (verdict: HealthVerdict, detail: string) => void,
  ) {
    this.state = new HealthCheckState(spec, clock.monotonic());
  }

  start(): void {
    this.schedule(this.spec.delayMs);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    this.inFlight?.abort();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.runOnce();
    }, ms);
  }

  private async runOnce(): Promise<void> {
    const controller = new AbortController();
    this.inFlight = controller;
    let timeout: Timer | null = null;
    const timedOut = new Promise<never>((_, reject) => {
      if (this.spec.timeoutMs <= 0) return; // 0: no timeout (Mesos)
      timeout = this.clock.setTimeout(() => {
        controller.abort();
        reject(new Error(`timed out after ${this.spec.timeoutMs / 1000} s`));
      }, this.spec.timeoutMs);
    });
    let verdict: HealthVerdict | null;
    let detail: string;
    try {
      await Promise.race([this.probe(controller.signal), timedOut]);
      verdict = this.state.success();
      detail = 'passed';
    } catch (err) {
      verdict = this.stopped ? null : this.state.failure(this.clock.monotonic());
      detail = err instanceof Error ? err.message : String(err);
    } finally {
      (timeout as Timer | null)?.cancel();
      this.inFlight = null;
    }
    if (this.stopped) return;
    if (verdict) this.onVerdict(verdict, detail);
    if (verdict?.killTask) return; // the task is being killed: no more checks
    this.schedule(Math.max(this.spec.intervalMs, MIN_HEALTH_INTERVAL_MS));
  }
}
