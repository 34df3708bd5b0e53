import { describe, expect, it } from 'vitest';
import { HealthChecker, HealthCheckState, MIN_HEALTH_INTERVAL_MS, type HealthVerdict } from '../../src/agent/health-check.js';
import { FakeClock } from '../helpers/fake-clock.js';

// Mesos HealthChecker semantics, on a fake clock: grace period, consecutive failures, which
// results are reported, delay/interval/timeout scheduling.

describe('HealthCheckState', () => {
  it('ignores failures inside the grace period until the first success', () => {
    const s = new HealthCheckState({ gracePeriodMs: 10_000, consecutiveFailures: 3 }, 0);
    expect(s.failure(5_000)).toBeNull();
    expect(s.failure(10_000)).toBeNull(); // the grace period includes its end (Mesos: <=)
    expect(s.failure(10_001)).toEqual({ healthy: false, consecutiveFailures: 1, killTask: false });
  });

  it('counts failures inside the grace period once a check has succeeded', () => {
    const s = new HealthCheckState({ gracePeriodMs: 10_000, consecutiveFailures: 3 }, 0);
    expect(s.success()).toEqual({ healthy: true, consecutiveFailures: 0, killTask: false });
    expect(s.failure(1_000)).toEqual({ healthy: false, consecutiveFailures: 1, killTask: false });
  });

  it('reports the first success and the first success after failures, not the others', () => {
    const s = new HealthCheckState({ gracePeriodMs: 0, consecutiveFailures: 5 }, 0);
    expect(s.success()?.healthy).toBe(true);
    expect(s.success()).toBeNull();
    expect(s.failure(1)?.healthy).toBe(false);
    expect(s.success()?.healthy).toBe(true);
    expect(s.success()).toBeNull();
  });

  it('asks for a kill at consecutive_failures, and a success resets the count', () => {
    const s = new HealthCheckState({ gracePeriodMs: 0, consecutiveFailures: 2 }, 0);
    expect(s.failure(1)?.killTask).toBe(false);
    s.success();
    expect(s.failure(2)).toEqual({ healthy: false, consecutiveFailures: 1, killTask: false });
    expect(s.failure(3)).toEqual({ healthy: false, consecutiveFailures: 2, killTask: true });
  });

  it('a zero grace period counts the very first failure', () => {
    const s = new HealthCheckState({ gracePeriodMs: 0, consecutiveFailures: 1 }, 0);
    expect(s.failure(0)).toEqual({ healthy: false, consecutiveFailures: 1, killTask: true });
  });
});

/** Lets the probe's promise chain run after the fake clock fired a timer. */
const h0 = (clock: FakeClock): void => clock.advance(0);
const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function harness(results: (boolean | 'hang')[], spec: { delayMs?: number; intervalMs?: number; timeoutMs?: number; consecutiveFailures?: number; gracePeriodMs?: number } = {}) {
  const clock = new FakeClock();
  const verdicts: (HealthVerdict & { at: number; detail: string })[] = [];
  const probedAt: number[] = [];
  let aborted = 0;
  const checker = new HealthChecker(
    { delayMs: 1000, intervalMs: 500, timeoutMs: 200, consecutiveFailures: 3, gracePeriodMs: 0, ...spec },
    (signal) => {
      probedAt.push(clock.monotonic());
      const r = results.shift() ?? true;
      if (r === 'hang') {
        signal.addEventListener('abort', () => aborted++);
        return new Promise<void>(() => undefined);
      }
      return r ? Promise.resolve() : Promise.reject(new Error('probe said no'));
    },
    clock,
    (v, detail) => verdicts.push({ ...v, at: clock.monotonic(), detail }),
  );
  const advance = async (ms: number): Promise<void> => {
    // 1 ms steps: the probe's promise settles (flush) before the clock moves on.
    for (let t = 0; t < ms; t++) {
      clock.advance(1);
      await flush();
    }
  };
  return { clock, checker, verdicts, probedAt, advance, flush: async () => { h0(clock); await flush(); }, aborted: () => aborted };
}

describe('HealthChecker', () => {
  it('first probes after delay, then interval after each finished probe', async () => {
    const h = harness([true, true, true]);
    h.checker.start();
    await h.advance(2000);
    expect(h.probedAt).toEqual([1000, 1500, 2000]);
    expect(h.verdicts.map((v) => v.healthy)).toEqual([true]);
    h.checker.stop();
  });

  it('a probe that hangs past timeout is aborted and counts as a failure; the next starts interval later', async () => {
    const h = harness(['hang', true]);
    h.checker.start();
    await h.advance(1200);
    expect(h.aborted()).toBe(1);
    expect(h.verdicts).toEqual([{ healthy: false, consecutiveFailures: 1, killTask: false, at: 1200, detail: 'timed out after 0.2 s' }]);
    await h.advance(500);
    expect(h.probedAt).toEqual([1000, 1700]);
    expect(h.verdicts.at(-1)?.healthy).toBe(true);
    h.checker.stop();
  });

  it('stops probing after the verdict that kills the task', async () => {
    const h = harness([false, false, false, false], { consecutiveFailures: 2 });
    h.checker.start();
    await h.advance(5000);
    expect(h.probedAt).toEqual([1000, 1500]);
    expect(h.verdicts.map((v) => [v.consecutiveFailures, v.killTask])).toEqual([[1, false], [2, true]]);
  });

  it('stop() cancels the next probe and silences one in flight', async () => {
    const h = harness(['hang'], { timeoutMs: 0 });
    h.checker.start();
    await h.advance(1000);
    h.checker.stop();
    await h.advance(5000);
    expect(h.probedAt).toEqual([1000]);
    expect(h.aborted()).toBe(1);
    expect(h.verdicts).toEqual([]);
  });

  it('a zero interval is spaced by the minimum, never a tight loop', async () => {
    const h = harness([true, true, true], { delayMs: 0, intervalMs: 0 });
    h.checker.start();
    await h.flush();
    await h.advance(MIN_HEALTH_INTERVAL_MS * 2);
    expect(h.probedAt).toEqual([0, MIN_HEALTH_INTERVAL_MS, MIN_HEALTH_INTERVAL_MS * 2]);
    h.checker.stop();
  });
});
