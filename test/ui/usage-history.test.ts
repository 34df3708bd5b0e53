import { describe, expect, it } from 'vitest';
import { UsageHistory, type UsageSample } from '../../src/master/usage-history.js';

// The overview chart's ring buffer: an hour of samples, oldest first, the oldest dropped once full.

const sample = (at: number): UsageSample => ({ at, agents: 1, resources: { cpus: { used: at % 4, total: 4 }, mem: { used: 0, total: 1024 }, disk: { used: 0, total: 0 }, gpus: { used: 0, total: 0 } } });

describe('UsageHistory', () => {
  it('keeps window/interval + 1 samples, oldest first, and drops the oldest when full', () => {
    const h = new UsageHistory(10_000, 3600_000);
    expect(h.capacity).toBe(361);
    expect(h.samples()).toEqual([]);
    for (let i = 1; i <= 361; i++) h.record(sample(i * 10_000));
    expect(h.samples().map((s) => s.at)).toEqual(Array.from({ length: 361 }, (_, i) => (i + 1) * 10_000));
    for (let i = 362; i <= 1000; i++) h.record(sample(i * 10_000));
    const kept = h.samples();
    expect(kept).toHaveLength(361);
    expect(kept[0]!.at).toBe(640 * 10_000);
    expect(kept.at(-1)!.at).toBe(1000 * 10_000);
  });

  it('since: only the samples taken after it', () => {
    const h = new UsageHistory(1000, 5000);
    for (let i = 1; i <= 10; i++) h.record(sample(i * 1000));
    expect(h.samples(7000).map((s) => s.at)).toEqual([8000, 9000, 10_000]);
    expect(h.samples(10_000)).toEqual([]);
    expect(h.samples(0).map((s) => s.at)).toEqual([5000, 6000, 7000, 8000, 9000, 10_000]);
  });

  it('refuses a window shorter than the interval, or no interval', () => {
    expect(() => new UsageHistory(0, 1000)).toThrow(/bad usage history/);
    expect(() => new UsageHistory(1000, 500)).toThrow(/bad usage history/);
    expect(() => new UsageHistory(Number.NaN, 1000)).toThrow(/bad usage history/);
  });
});
