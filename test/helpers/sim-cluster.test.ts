import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SimCluster, simCluster } from './sim-cluster.js';

describe('SimCluster', () => {
  it('starts a leading master with an active agent without moving time, and stop() leaves nothing behind', async () => {
    const c = await SimCluster.start();
    try {
      expect(c.clock.monotonic()).toBe(0);
      const s = await c.state();
      expect(s.slaves.map((a) => a.active)).toEqual([true]);
      const m = (await (await c.fetch('/metrics/snapshot')).json()) as Record<string, number>;
      expect(m['master/elected']).toBe(1);
      expect(fs.existsSync(c.dataDir)).toBe(true);
    } finally {
      await c.stop();
    }
    expect(fs.existsSync(c.dataDir)).toBe(false);
    await expect(fetch(`${c.master}/health`)).rejects.toThrow();
    await expect(fetch(`${c.agent}/health`)).rejects.toThrow();
    await c.stop(); // idempotent
  });

  it('clusters of one test are independent (own clock, data dir and ports)', async () => {
    const a = await simCluster({ agent: false });
    const b = await simCluster({ agent: false });
    expect(a.dataDir).not.toBe(b.dataDir);
    expect(a.master).not.toBe(b.master);
    await a.advance(60_000);
    expect([a.clock.monotonic(), b.clock.monotonic()]).toEqual([60_000, 0]);
    expect((await b.state()).slaves).toEqual([]);
  });
});
