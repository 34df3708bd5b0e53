import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ManualClock, settle } from './manual-clock.js';

describe('ManualClock', () => {
  it('fires timers in due order, same-instant ones in creation order, with time at their due instant', async () => {
    const c = new ManualClock();
    const seen: string[] = [];
    c.setTimeout(() => seen.push(`b@${c.monotonic()}`), 20);
    c.setTimeout(() => seen.push(`a@${c.monotonic()}`), 10);
    c.setTimeout(() => seen.push(`c@${c.monotonic()}`), 20);
    const iv = c.setInterval(() => seen.push(`i@${c.monotonic()}`), 15);
    await c.advance(19);
    expect(seen).toEqual(['a@10', 'i@15']);
    await c.advance(11);
    expect(seen).toEqual(['a@10', 'i@15', 'b@20', 'c@20', 'i@30']);
    iv.cancel();
    await c.advance(100);
    expect(seen).toHaveLength(5);
    expect(c.monotonic()).toBe(130);
    expect(c.now()).toBe(1_700_000_000_130);
    expect(c.pendingTimers).toBe(0);
  });

  it('freeze moves time without firing timers; what fell due fires late, at the next advance', async () => {
    const c = new ManualClock();
    const seen: number[] = [];
    c.setInterval(() => seen.push(c.monotonic()), 10);
    c.freeze(35);
    expect(seen).toEqual([]);
    expect(c.monotonic()).toBe(35);
    await c.advance(0);
    expect(seen).toEqual([35, 35, 35]);
    await c.advance(5);
    expect(seen).toEqual([35, 35, 35, 40]);
  });

  it('runs a zero-delay timer on its own without moving time', async () => {
    const c = new ManualClock();
    let ran = false;
    c.setTimeout(() => (ran = true), 0);
    expect(ran).toBe(false);
    await settle();
    expect(ran).toBe(true);
    expect(c.monotonic()).toBe(0);
  });

  it('settles the event loop between instants: an HTTP round trip started at t completes before t+1', async () => {
    const server = http.createServer((_req, res) => res.end('pong'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const c = new ManualClock();
      let body = '';
      c.setTimeout(() => {
        void fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`).then(async (r) => (body = await r.text()));
      }, 1000);
      let seenAt1001 = '';
      c.setTimeout(() => (seenAt1001 = body), 1001);
      await c.advance(1001);
      expect(seenAt1001).toBe('pong');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('waits for thread-pool work (fs) before moving on', async () => {
    const c = new ManualClock();
    let read = '';
    c.setTimeout(() => void fs.readFile(import.meta.filename, 'utf8').then((s) => (read = s.slice(0, 6))), 5);
    let seen = '';
    c.setTimeout(() => (seen = read), 6);
    await c.advance(6);
    expect(seen).toBe('import');
  });

  it('re-throws from advance what a timer callback threw, and refuses to go back in time', async () => {
    const c = new ManualClock();
    c.setTimeout(() => {
      throw new Error('boom');
    }, 1);
    await expect(c.advance(1)).rejects.toThrow('boom');
    await expect(c.advanceTo(0)).rejects.toThrow(/already at 1/);
  });
});
