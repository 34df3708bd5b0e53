import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, systemClock } from '../../src/lib/clock.js';

describe('systemClock timers', () => {
  it('a timeout longer than 2^31-1 ms does not fire at once (Node would fire it after 1 ms)', async () => {
    let fired = false;
    const t = systemClock.setTimeout(() => (fired = true), 30 * 24 * 3600 * 1000);
    // Node's overflow fallback fires at 1 ms: a few event-loop turns are enough to see it.
    await new Promise((r) => setTimeout(r, 30));
    t.cancel();
    expect(fired).toBe(false);
    const i = systemClock.setInterval(() => (fired = true), MAX_TIMER_MS + 10);
    await new Promise((r) => setTimeout(r, 30));
    i.cancel();
    expect(fired).toBe(false);
  });

  it('short timeouts still fire, and cancel stops them', async () => {
    const order: string[] = [];
    systemClock.setTimeout(() => order.push('a'), 5);
    const b = systemClock.setTimeout(() => order.push('b'), 5);
    b.cancel();
    await new Promise((r) => setTimeout(r, 40));
    expect(order).toEqual(['a']);
  });
});
