import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { Hono } from 'hono';
import { HttpClient } from '../../src/lib/http-client.js';
import { HttpTransport, MESSAGES_PATH } from '../../src/consensus/transport.js';
import { raftApp } from '../../src/consensus/http-api.js';
import type { RaftDriver } from '../../src/consensus/driver.js';
import { fromWire } from '../../src/consensus/wire.js';
import type { Message } from '../../src/consensus/core/types.js';
import { systemClock } from '../../src/lib/clock.js';
import { seededRng } from '../../src/lib/rng.js';
import { silentLogger } from '../../src/lib/log.js';
import { listen, type RunningServer } from '../../src/lib/http-server.js';
import { freePort, waitFor } from '../helpers/process.js';

const msg = (from: string, to: string, index: number): Message => ({
  type: 'append', from, to, term: 1, logTerm: 1, index, commit: 0,
  entries: [{ index: index + 1, term: 1, type: 'normal', data: new TextEncoder().encode(`e${index + 1}`) }],
  reject: false, rejectHint: 0, context: '',
});

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function transport(self: string, timeoutMs?: number): HttpTransport {
  const t = new HttpTransport({ self, http: new HttpClient({ localAddress: '127.0.0.1' }), clock: systemClock, rng: seededRng(1), logger: silentLogger, ...(timeoutMs ? { timeoutMs } : {}) });
  cleanup.push(() => t.close());
  return t;
}

async function serve(app: Hono, port: number): Promise<RunningServer> {
  const s = await listen(app, '127.0.0.1', port);
  cleanup.push(() => s.close());
  return s;
}

describe('HTTP peer transport', () => {
  it('streams messages to a peer in order, on one connection', async () => {
    const port = await freePort();
    const to = `127.0.0.1:${port}`;
    const got: Message[] = [];
    const driver = { receive: (m: Message) => got.push(m), peerStreamBroken: () => undefined } as unknown as RaftDriver;
    await serve(raftApp(driver), port);
    const t = transport('127.0.0.1:1');
    for (let i = 0; i < 500; i++) t.send([msg('127.0.0.1:1', to, i)]);
    t.send(Array.from({ length: 500 }, (_, i) => msg('127.0.0.1:1', to, 500 + i)));
    await waitFor('all delivered', () => (got.length === 1000 ? true : undefined), 5000, 10);
    expect(got.map((m) => m.index)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(new TextDecoder().decode(got[999]!.entries[0]!.data)).toBe('e1000');
    expect(t.stats.streams).toBe(1);
  });

  it('ignores messages whose sender is not the stream owner', async () => {
    const port = await freePort();
    const to = `127.0.0.1:${port}`;
    const got: Message[] = [];
    await serve(raftApp({ receive: (m: Message) => got.push(m), peerStreamBroken: () => undefined } as unknown as RaftDriver), port);
    const t = transport('127.0.0.1:1');
    t.send([msg('127.0.0.1:2', to, 0), msg('127.0.0.1:1', to, 1)]);
    await waitFor('delivered', () => (got.length === 1 ? true : undefined), 5000, 10);
    expect(got[0]!.index).toBe(1);
  });

  it('falls back to one POST per batch for a peer without the stream endpoint', async () => {
    const port = await freePort();
    const to = `127.0.0.1:${port}`;
    const got: Message[] = [];
    const legacy = new Hono();
    legacy.post(MESSAGES_PATH, async (c) => {
      const body = await c.req.json<{ messages: unknown[] }>();
      for (const m of body.messages) got.push(fromWire(m));
      return c.body(null, 204);
    });
    await serve(legacy, port);
    const t = transport('127.0.0.1:1');
    // The first message may be lost with the refused stream; Raft retransmits, so keep sending.
    let i = 0;
    await waitFor('delivered over POST', () => {
      t.send([msg('127.0.0.1:1', to, i++)]);
      return got.length >= 3 ? true : undefined;
    }, 5000, 20);
    expect(got.every((m, k) => k === 0 || m.index > got[k - 1]!.index)).toBe(true);
  });

  it('tears down a stream to a peer that accepts but never acknowledges, and reconnects', async () => {
    const port = await freePort();
    const sockets: net.Socket[] = [];
    const blackhole = net.createServer((s) => {
      sockets.push(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => blackhole.listen(port, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      blackhole.close(() => r());
    }));
    const t = transport('127.0.0.1:1', 300);
    const to = `127.0.0.1:${port}`;
    const timer = setInterval(() => t.send([msg('127.0.0.1:1', to, 0)]), 50);
    cleanup.push(() => clearInterval(timer));
    await waitFor('reconnected', () => (sockets.length >= 2 && t.stats.failedBatches >= 1 ? true : undefined), 5000, 20);
  });

  it('tells a peer whose port refuses connections (a dead process) from one that answers', async () => {
    const up = await freePort();
    const app = new Hono();
    app.get('/tsmesos/raft/v1/status', (c) => c.json({}));
    await serve(app, up);
    const down = await freePort();
    const t = transport(`127.0.0.1:${await freePort()}`);
    expect(await t.refusesConnections(`127.0.0.1:${down}`)).toBe(true);
    expect(await t.refusesConnections(`127.0.0.1:${up}`)).toBe(false);
    expect(await t.refusesConnections('not an address')).toBe(false);
  });
});
