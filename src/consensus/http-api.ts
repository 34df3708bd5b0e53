// Raft's HTTP surface on the master port, under /tsmesos/raft/v1:
//   POST stream    peer transport: a long-lived body of newline-delimited wire messages from
//                  one peer; answered with a streaming body of ack bytes (see transport.ts)
//   POST messages  peer transport for older peers (one batch of JSON per request)
//   GET  status    this node's Raft status (any member; used by `tsmesos status` / `masters`)
//   POST members   {"action":"add"|"remove","address":"IP:PORT"} — leader only, else 307
//   POST bench/propose  hidden, only with a `benchPropose` hook: replicates one no-op command
//                  (?n=K: K of them at once, K <= 1000)
// Errors are thrown as TsmesosError; the app this is mounted on maps them to the wire.
import { Hono, type Context } from 'hono';
import { readJsonBody } from '../lib/http-body.js';
import { redirectToLeader } from '../lib/leader-redirect.js';
import { tlsSocketOf } from '../lib/http-server.js';
import { TsmesosError } from '../domain/errors.js';
import { parseHostPort } from '../lib/http-client.js';
import type { RaftDriver } from './driver.js';
import { fromWire } from './wire.js';
import { NO_PEER_AUTH, type PeerAuthenticator } from './peer-auth.js';
import { ACK_DELAY_MS, RAFT_PREFIX, STREAM_FROM_HEADER, STREAM_PATH } from './transport.js';

const MAX_BATCH_BODY = 256 << 20;
const ACK = new Uint8Array([0x0a]);

export interface RaftApiOptions {
  auth?: PeerAuthenticator;
  /** Enables the hidden benchmark endpoint: proposes one no-op command of the state machine, resolves once applied. */
  benchPropose?: () => Promise<number>;
}

/** The request body as a JSON object (peers and `tsmesos masters` send nothing else). */
function bodyObject(v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TsmesosError('BAD_REQUEST', 'body: expected an object');
  return v as Record<string, unknown>;
}

export function raftApp(driver: RaftDriver, opts: RaftApiOptions = {}): Hono {
  const app = new Hono();
  const auth = opts.auth ?? NO_PEER_AUTH;
  const checkAuth = (c: Context, from: string): void => {
    const why = auth.refusal({ headers: c.req.header(), from, socket: tlsSocketOf(c.env) });
    if (why !== null) throw new TsmesosError('UNAUTHORIZED', `peer authentication failed: ${why}`);
  };

  app.post(`${RAFT_PREFIX}/messages`, async (c) => {
    checkAuth(c, ''); // the channel first: no body is read from a refused sender
    const body = bodyObject(await readJsonBody(c, MAX_BATCH_BODY));
    const from = typeof body['from'] === 'string' ? body['from'] : '';
    checkAuth(c, from);
    const messages = body['messages'];
    if (!Array.isArray(messages)) throw new TsmesosError('BAD_REQUEST', 'expected {"from": ID, "messages": [...]}');
    let msgs;
    try {
      msgs = messages.map(fromWire);
    } catch (e) {
      throw new TsmesosError('BAD_REQUEST', `malformed raft message: ${e instanceof Error ? e.message : String(e)}`);
    }
    for (const m of msgs) if (m.from === from) driver.receive(m);
    return c.body(null, 204);
  });

  app.post(STREAM_PATH, (c) => {
    const from = c.req.header(STREAM_FROM_HEADER) ?? '';
    checkAuth(c, from);
    const body = c.req.raw.body;
    if (!body || from === '') throw new TsmesosError('BAD_REQUEST', `expected a message stream with a ${STREAM_FROM_HEADER} header`);
    const sink: { out: ReadableStreamDefaultController<Uint8Array> | null } = { out: null };
    let ackTimer: ReturnType<typeof setTimeout> | null = null;
    const ack = (): void => {
      ackTimer = null;
      try {
        sink.out?.enqueue(ACK);
      } catch {
        sink.out = null;
      }
    };
    const acks = new ReadableStream<Uint8Array>({
      start(ctrl) {
        sink.out = ctrl;
        ctrl.enqueue(ACK); // accepted
      },
      cancel() {
        sink.out = null;
      },
    });
    void (async () => {
      const decoder = new TextDecoder();
      let pending = '';
      try {
        for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
          pending += decoder.decode(chunk, { stream: true });
          let start = 0;
          for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n', start)) {
            const line = pending.slice(start, nl);
            start = nl + 1;
            if (line.length === 0) continue;
            const m = fromWire(JSON.parse(line));
            if (m.from === from) driver.receive(m);
          }
          pending = pending.slice(start);
          if (pending.length > MAX_BATCH_BODY) throw new Error('message too large');
          ackTimer ??= setTimeout(ack, ACK_DELAY_MS);
        }
      } catch {
        // The peer went away or sent garbage: drop the stream; it reconnects and Raft retransmits.
      } finally {
        // If it was our leader, it may be dead (a killed process can end the body cleanly too):
        // the driver checks, and then campaigns early. A rotated stream costs one status request.
        driver.peerStreamBroken(from);
        if (ackTimer) clearTimeout(ackTimer);
        try {
          sink.out?.close();
        } catch {
          // already closed
        }
        sink.out = null;
      }
    })();
    return new Response(acks, { status: 200, headers: { 'Content-Type': 'application/octet-stream' } });
  });

  app.get(`${RAFT_PREFIX}/status`, (c) => c.json(driver.status()));

  app.post(`${RAFT_PREFIX}/members`, async (c) => {
    checkAuth(c, '');
    const body = bodyObject(await readJsonBody(c, 4096));
    const action = body['action'];
    const address = typeof body['address'] === 'string' ? body['address'].trim() : '';
    const hp = parseHostPort(address);
    if ((action !== 'add' && action !== 'remove') || !hp) {
      throw new TsmesosError('BAD_REQUEST', 'expected {"action": "add"|"remove", "address": "IP:PORT"}');
    }
    if (!driver.isLeader()) return redirectToLeader(c, leaderOf(driver));
    const node = `${hp.host}:${hp.port}`;
    const index = await driver.proposeConfChange({ type: action === 'add' ? 'addLearner' : 'remove', node });
    const s = driver.status();
    return c.json({ index, voters: s.voters, learners: s.learners });
  });

  const benchPropose = opts.benchPropose;
  if (benchPropose) {
    app.post(`${RAFT_PREFIX}/bench/propose`, async (c) => {
      if (!driver.isLeader()) return redirectToLeader(c, leaderOf(driver));
      // ?n=K (at most 1000) proposes K commands at once and answers when all are applied.
      const n = Math.min(1000, Math.max(1, Math.floor(Number(c.req.query('n') ?? '1')) || 1));
      const indexes = await Promise.all(Array.from({ length: n }, () => benchPropose()));
      return c.json({ index: Math.max(...indexes), n });
    });
  }
  return app;
}

/** The leader as the driver knows it (node ids are `ip:port`), or null while none is known. */
function leaderOf(driver: RaftDriver): { host: string; port: number } | null {
  return parseHostPort(driver.leaderId());
}
