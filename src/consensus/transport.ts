// Peer transport, sent from this node's own address (so iptables rules between loopback IPs
// partition masters). Best effort by design: Raft retransmits, so anything failing is dropped.
//
// Each peer gets one long-lived, ordered stream: a chunked POST to STREAM_PATH whose body is
// newline-delimited wire messages, written as soon as send() is called (no request per batch,
// no waiting for the previous batch's response, no reordering). The peer answers with a
// streaming body of ack bytes, at least every ACK_DELAY_MS while it receives anything; a
// stream with data unacknowledged for `timeoutMs` (a dead or partitioned peer) is torn down
// and reopened with backoff, queueing (bounded) meanwhile. Streams are rotated every
// ROTATE_MS so no server-side request timeout ever cuts one mid-write. A peer that does not
// know STREAM_PATH (404: an older version) is spoken to with one POST per batch to
// MESSAGES_PATH, one in flight at a time, as before.
import type http from 'node:http';
import type { Message, NodeId } from './core/types.js';
import { toWire } from './wire.js';
import type { Clock } from '../lib/clock.js';
import type { Rng } from '../lib/rng.js';
import type { Logger } from '../lib/log.js';
import { parseHostPort, type HttpClient } from '../lib/http-client.js';
import { NO_PEER_AUTH, type PeerAuthenticator } from './peer-auth.js';

export const RAFT_PREFIX = '/tsmesos/raft/v1';
export const MESSAGES_PATH = `${RAFT_PREFIX}/messages`;
export const STREAM_PATH = `${RAFT_PREFIX}/stream`;
/** The sender's node id on a stream (each message's `from` must match it). */
export const STREAM_FROM_HEADER = 'x-tsmesos-raft-from';
/** The receiver acknowledges what it read at most this long after reading it. */
export const ACK_DELAY_MS = 50;
const ROTATE_MS = 30_000;
/** Stop writing into a stream whose socket buffer holds this much (slow peer): queue instead. */
const MAX_BUFFERED = 16 << 20;
/** Retry streaming to a peer that answered 404 after this long. */
const LEGACY_RETRY_MS = 60_000;

export interface Transport {
  /** Never blocks and never throws: delivery is best effort. */
  send(messages: readonly Message[]): void;
  close(): void;
  /** Whether `peer`'s port refuses connections (its process is gone); false if it answers, or if that cannot be told. */
  refusesConnections?(peer: NodeId): Promise<boolean>;
}

/**
 * Test hooks applied on the sending side. Probabilities in [0, 1]; `delayMs` delays every
 * message by a random time in [0, delayMs]; `blocked` drops everything to those peers.
 * Multi-process tests enable them with TSMESOS_RAFT_FAULTS='{"drop":0.1,"delayMs":20}'.
 */
export interface TransportFaults {
  drop?: number;
  duplicate?: number;
  delayMs?: number;
  blocked?: Set<NodeId>;
}

export function faultsFromEnv(env: NodeJS.ProcessEnv = process.env): TransportFaults | undefined {
  const raw = env['TSMESOS_RAFT_FAULTS'];
  if (raw === undefined || raw === '') return undefined;
  const p = JSON.parse(raw) as { drop?: number; duplicate?: number; delayMs?: number; blocked?: string[] };
  return {
    ...(p.drop !== undefined ? { drop: p.drop } : {}),
    ...(p.duplicate !== undefined ? { duplicate: p.duplicate } : {}),
    ...(p.delayMs !== undefined ? { delayMs: p.delayMs } : {}),
    ...(p.blocked !== undefined ? { blocked: new Set(p.blocked) } : {}),
  };
}

export interface HttpTransportOptions {
  self: NodeId;
  /** Every peer connection goes through it (it carries the node's --ip as source address). */
  http: HttpClient;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  faults?: TransportFaults;
  auth?: PeerAuthenticator;
  /** Per request; a partitioned peer holds its queue this long at most. Default 1000 ms. */
  timeoutMs?: number;
}

const MAX_QUEUE = 4096;
const MAX_BATCH = 256;
const MAX_BATCH_BYTES = 8 << 20;

interface Stream {
  req: http.ClientRequest;
  openedAt: number;
  /** Time of the first write not followed by an ack; null when everything written was acked. */
  unackedSince: number | null;
  fail(why: string): void;
}

interface Peer {
  queue: Message[];
  inflight: boolean;
  failures: number;
  retryTimer: { cancel(): void } | null;
  stream: Stream | null;
  /** Waiting for the stream's socket buffer to drain. */
  draining: boolean;
  /** Until then (monotonic ms) the peer gets one POST per batch. */
  legacyUntil: number;
  /** A refusal (401) of this peer was logged; reset once it accepts a stream. */
  refusedLogged: boolean;
}

export class HttpTransport implements Transport {
  private readonly peers = new Map<NodeId, Peer>();
  /** One pool per scheme: a master switches from plain HTTP to TLS once it holds its certificate. */
  private readonly agents = new Map<'http' | 'https', http.Agent>();
  private closed = false;
  private readonly auth: PeerAuthenticator;
  private watchdog: { cancel(): void } | null = null;
  stats = { sent: 0, dropped: 0, failedBatches: 0, streams: 0 };

  constructor(private readonly opts: HttpTransportOptions) {
    this.auth = opts.auth ?? NO_PEER_AUTH;
  }

  send(messages: readonly Message[]): void {
    if (this.closed) return;
    const f = this.opts.faults;
    if (!f) {
      // Enqueue everything first so each peer gets one write for the whole Ready.
      const touched = new Set<NodeId>();
      for (const m of messages) {
        this.enqueue(m, false);
        touched.add(m.to);
      }
      for (const to of touched) {
        const p = this.peers.get(to);
        if (p) this.pump(to, p);
      }
      return;
    }
    for (const m of messages) {
      if (f) {
        if (f.blocked?.has(m.to) || (f.drop !== undefined && this.opts.rng.next() < f.drop)) {
          this.stats.dropped++;
          continue;
        }
        const copies = f.duplicate !== undefined && this.opts.rng.next() < f.duplicate ? 2 : 1;
        for (let i = 0; i < copies; i++) {
          if (f.delayMs) this.opts.clock.setTimeout(() => this.enqueue(m), Math.floor(this.opts.rng.next() * f.delayMs));
          else this.enqueue(m);
        }
      } else {
        this.enqueue(m);
      }
    }
  }

  refusesConnections(peer: NodeId): Promise<boolean> {
    const target = parseHostPort(peer);
    if (!target || this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const req = this.opts.http.createRequest({ host: target.host, port: target.port, path: `${RAFT_PREFIX}/status`, method: 'GET', headers: this.auth.outgoingHeaders() });
      req.setTimeout(this.opts.timeoutMs ?? 1000, () => req.destroy()); // silent (partitioned?): cannot tell
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
      req.on('response', (res) => {
        res.resume();
        resolve(false);
      });
      req.end();
    });
  }

  /** Backs off a little (linearly, at most 200 ms: Raft wants its peers back fast) so a dead peer does not cost a connection attempt per message. */
  private retryLater(to: NodeId, p: Peer): void {
    p.retryTimer = this.opts.clock.setTimeout(() => {
      p.retryTimer = null;
      this.pump(to, p);
    }, Math.min(200, 20 * p.failures));
  }

  close(): void {
    this.closed = true;
    this.watchdog?.cancel();
    this.watchdog = null;
    for (const p of this.peers.values()) {
      p.retryTimer?.cancel();
      p.queue = [];
      p.stream?.req.destroy();
      p.stream = null;
    }
    for (const a of this.agents.values()) a.destroy();
  }

  private enqueue(m: Message, pump = true): void {
    if (this.closed) return;
    let p = this.peers.get(m.to);
    if (!p) {
      p = { queue: [], inflight: false, failures: 0, retryTimer: null, stream: null, draining: false, legacyUntil: 0, refusedLogged: false };
      this.peers.set(m.to, p);
    }
    p.queue.push(m);
    if (p.queue.length > MAX_QUEUE) {
      p.queue.shift();
      this.stats.dropped++;
    }
    if (pump) this.pump(m.to, p);
  }

  private pump(to: NodeId, p: Peer): void {
    if (p.retryTimer || p.queue.length === 0 || this.closed) return;
    if (p.legacyUntil > this.opts.clock.monotonic()) {
      this.pumpPost(to, p);
      return;
    }
    if (p.inflight || p.draining) return;
    const s = p.stream ?? this.openStream(to, p);
    if (!s) return;
    const req = s.req;
    // Written synchronously (the socket is corked around the write so the HTTP layer does not
    // defer the flush to the next tick): the leader's appends are on the wire before it starts
    // its own fsync (see ReadyWriter.write in driver-persist.ts).
    const sock = req.socket;
    sock?.cork();
    try {
      let n = 0;
      while (p.queue.length > 0 && req.writableLength < MAX_BUFFERED) {
        let chunk = '';
        let bytes = 0;
        while (p.queue.length > 0 && bytes < MAX_BATCH_BYTES) {
          const m = p.queue.shift()!;
          const line = JSON.stringify(toWire(m));
          chunk += line + '\n';
          bytes += line.length;
          n++;
        }
        req.write(chunk);
      }
      this.stats.sent += n;
      if (n > 0 && s.unackedSince === null) s.unackedSince = this.opts.clock.monotonic();
    } finally {
      sock?.uncork();
    }
    if (p.queue.length > 0) {
      p.draining = true;
      req.once('drain', () => {
        p.draining = false;
        this.pump(to, p);
      });
    }
  }

  private openStream(to: NodeId, p: Peer): Stream | null {
    const target = parseHostPort(to);
    if (!target) {
      this.stats.dropped += p.queue.length;
      p.queue = [];
      return null;
    }
    const req = this.opts.http.createRequest({
      host: target.host, port: target.port, path: STREAM_PATH, method: 'POST',
      headers: { 'Content-Type': 'application/x-ndjson', [STREAM_FROM_HEADER]: this.opts.self, ...this.auth.outgoingHeaders() },
    });
    const now = this.opts.clock.monotonic();
    // The receiver acks as soon as it accepts the stream: no answer within timeoutMs is a failure too.
    const s: Stream = { req, openedAt: now, unackedSince: now, fail: (why) => fail(why) };
    p.stream = s;
    p.draining = false;
    this.stats.streams++;
    const fail = (why: string): void => {
      if (p.stream !== s) return;
      p.stream = null;
      p.draining = false;
      req.destroy();
      this.stats.failedBatches++;
      if (p.failures++ % 50 === 0) this.opts.logger.debug('peer unreachable', { peer: to, error: why });
      if (this.closed) return;
      this.retryLater(to, p);
    };
    req.on('socket', (sock) => sock.setNoDelay(true));
    req.on('error', (e) => fail(e.message));
    req.on('close', () => fail('stream closed'));
    req.on('response', (res) => {
      if (res.statusCode === 404) {
        // An older peer: fall back to one POST per batch for a while.
        p.legacyUntil = this.opts.clock.monotonic() + LEGACY_RETRY_MS;
        res.resume();
        fail('peer has no stream endpoint');
        p.failures = 0;
        return;
      }
      if (res.statusCode === 401) {
        // Refused (e.g. plain HTTP to a cluster that requires mutual TLS): say why, once per peer.
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (text.length < 600) text += d;
        });
        res.on('end', () => {
          if (!p.refusedLogged) this.opts.logger.warn('a peer refused this master', { peer: to, answer: text.slice(0, 600) });
          p.refusedLogged = true;
          fail('peer answered 401');
        });
        res.on('error', (e) => fail(e.message));
        return;
      }
      if (res.statusCode !== 200) {
        res.resume();
        fail(`peer answered ${res.statusCode}`);
        return;
      }
      p.refusedLogged = false;
      res.on('data', () => {
        s.unackedSince = null;
        p.failures = 0;
      });
      res.on('error', (e) => fail(e.message));
      res.on('end', () => fail('peer ended the stream'));
    });
    req.flushHeaders();
    this.startWatchdog();
    return s;
  }

  /** Tears down streams with data unacknowledged for timeoutMs, and rotates old ones. */
  private startWatchdog(): void {
    if (this.watchdog) return;
    const timeout = this.opts.timeoutMs ?? 1000;
    this.watchdog = this.opts.clock.setInterval(() => {
      const now = this.opts.clock.monotonic();
      for (const [to, p] of this.peers) {
        const s = p.stream;
        if (!s) continue;
        if (s.unackedSince !== null && now - s.unackedSince > timeout) {
          s.fail(`peer ${to} acknowledged nothing for ${timeout} ms`);
        } else if (now - s.openedAt > ROTATE_MS && s.unackedSince === null) {
          // Retire it gracefully; the next send opens a fresh one.
          p.stream = null;
          p.draining = false;
          s.req.end();
        }
      }
    }, Math.max(20, Math.floor(timeout / 4)));
  }

  /** Legacy: one POST per batch, one in flight. */
  private pumpPost(to: NodeId, p: Peer): void {
    if (p.inflight || p.retryTimer || p.queue.length === 0 || this.closed) return;
    const target = parseHostPort(to);
    if (!target) {
      this.stats.dropped += p.queue.length;
      p.queue = [];
      return;
    }
    const batch: Message[] = [];
    let bytes = 0;
    while (p.queue.length > 0 && batch.length < MAX_BATCH && bytes < MAX_BATCH_BYTES) {
      const m = p.queue.shift()!;
      batch.push(m);
      bytes += 200 + m.entries.reduce((n, e) => n + e.data.byteLength * 1.4, 0) + (m.snapshot?.data.byteLength ?? 0) * 1.4;
    }
    p.inflight = true;
    const body = JSON.stringify({ from: this.opts.self, messages: batch.map(toWire) });
    this.post(target.host, target.port, body).then(
      () => {
        p.failures = 0;
        this.stats.sent += batch.length;
      },
      (e: unknown) => {
        this.stats.failedBatches++;
        this.stats.dropped += batch.length;
        if (p.failures++ % 50 === 0) this.opts.logger.debug('peer unreachable', { peer: to, error: e instanceof Error ? e.message : String(e) });
      },
    ).finally(() => {
      p.inflight = false;
      if (p.failures > 0) {
        this.retryLater(to, p);
      } else {
        this.pump(to, p);
      }
    });
  }

  private agent(): http.Agent {
    const scheme = this.opts.http.scheme;
    let a = this.agents.get(scheme);
    if (!a) {
      a = this.opts.http.keepAliveAgent(1);
      this.agents.set(scheme, a);
    }
    return a;
  }

  private post(host: string, port: number, body: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = this.opts.http.createRequest({
        host, port, path: MESSAGES_PATH, method: 'POST', agent: this.agent(),
        headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...this.auth.outgoingHeaders() },
      });
      req.setTimeout(this.opts.timeoutMs ?? 1000, () => req.destroy(new Error(`peer ${host}:${port} timed out`)));
      req.on('socket', (sock) => sock.setNoDelay(true));
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 204 || res.statusCode === 200 ? resolve() : reject(new Error(`peer answered ${res.statusCode}`))));
        res.on('error', reject);
      });
      req.end(body);
    });
  }
}
