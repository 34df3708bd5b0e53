import { describe, expect, it } from 'vitest';
import { parseApp } from '../../src/services/app-schema.js';
import { afterHealthReport, killForHealth } from '../../src/services/health.js';

// Pure: the tally of an instance's health reports and when the scheduler kills it.
const app = (maxConsecutiveFailures: number | undefined) => {
  const r = parseApp({ id: '/web', cmd: 'serve', healthChecks: [{ protocol: 'HTTP', ...(maxConsecutiveFailures !== undefined ? { maxConsecutiveFailures } : {}) }] });
  if (!r.ok) throw new Error(JSON.stringify(r.failure));
  return r.app;
};

describe('health reports', () => {
  it('counts consecutive failures, a success resets them; the count reaching maxConsecutiveFailures kills', () => {
    let h = afterHealthReport({ consecutiveFailures: 0 }, false, 10, 'HTTP 500');
    expect(h).toEqual({ consecutiveFailures: 1, lastFailure: 10, lastFailureCause: 'HTTP 500' });
    h = afterHealthReport(h, false, 20, 'HTTP 500');
    expect(killForHealth(app(3), h)).toBe(false);
    h = afterHealthReport(h, true, 30, '');
    expect(h).toMatchObject({ consecutiveFailures: 0, lastSuccess: 30, lastFailure: 20 });
    for (const t of [40, 50, 60]) h = afterHealthReport(h, false, t, 'timeout');
    expect(killForHealth(app(3), h)).toBe(true);
    expect(killForHealth(app(undefined), h)).toBe(true); // Marathon's default is 3
    expect(killForHealth(app(0), { consecutiveFailures: 10 ** 6 })).toBe(false); // 0: never kill
  });

  it('an app without health checks is never killed for health', () => {
    const r = parseApp({ id: '/web', cmd: 'serve' });
    if (!r.ok) throw new Error('invalid');
    expect(killForHealth(r.app, { consecutiveFailures: 100 })).toBe(false);
  });

  it('keeps a long failure cause bounded', () => {
    expect(afterHealthReport({ consecutiveFailures: 0 }, false, 1, 'x'.repeat(5000)).lastFailureCause).toHaveLength(1024);
  });
});
