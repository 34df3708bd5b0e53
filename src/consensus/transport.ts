// Peer transport: per-peer queues, one batched HTTP POST in flight per peer, sent from
// this node's own address (so iptables rules between loopback IPs partition masters).
// Best effort by design: Raft retransmits, so anything failing is simply dropped.
import http from 'node:http';
import type { Message, NodeId } from './core/types.js';
import { toWire } from './wire.js';
import type { Clock } from '../lib/clock.js';
import type { Rng } from '../lib/rng.js';
import type { Logger } from '../lib/log.js';
import { parseHostPort } from '../lib/http-client.js';
import { NO_PEER_AUTH, type PeerAuthenticator } from './peer-auth.js';

export const RAFT_PREFIX = '/tsmesos/raft/v1';
export const MESSAGES_PATH = `${RAFT_PREFIX}/messages`;

export interface Transport {
  /** Never blocks and never throws: delivery is best effort. */
  send(messages: readonly Message[]): void;
  close(): void;
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
  /** Source address of every peer connection (the node's --ip). */
  localAddress?: string;
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

interface Peer {
  queue: Message[];
  inflight: boolean;
  failures: number;
  retryTimer: { cancel(): void } | null;
}

export class HttpTransport implements Transport {
  private readonly peers = new Map<NodeId, Peer>();
  private readonly agent: http.Agent;
  private closed = false;
  private readonly auth: PeerAuthenticator;
  stats = { sent: 0, dropped: 0, failedBatches: 0 };

  constructor(private readonly opts: HttpTransportOptions) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    this.auth = opts.auth ?? NO_PEER_AUTH;
  }

  send(messages: readonly Message[]): void {
    if (this.closed) return;
    const f = this.opts.faults;
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

  close(): void {
    this.closed = true;
    for (const p of this.peers.values()) {
      p.retryTimer?.cancel();
      p.queue = [];
    }
    this.agent.destroy();
  }

  private enqueue(m: Message): void {
    if (this.closed) return;
    let p = this.peers.get(m.to);
    if (!p) {
      p = { queue: [], inflight: false, failures: 0, retryTimer: null };
      this.peers.set(m.to, p);
    }
    p.queue.push(m);
    if (p.queue.length > MAX_QUEUE) {
      p.queue.shift();
      this.stats.dropped++;
    }
    this.pump(m.to, p);
  }

  private pump(to: NodeId, p: Peer): void {
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
        // Back off a little so a dead peer does not cost a connection attempt per message.
        p.retryTimer = this.opts.clock.setTimeout(() => {
          p.retryTimer = null;
          this.pump(to, p);
        }, Math.min(200, 20 * p.failures));
      } else {
        this.pump(to, p);
      }
    });
  }

  private post(host: string, port: number, body: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = http.request({
        host, port, path: MESSAGES_PATH, method: 'POST', agent: this.agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...this.auth.outgoingHeaders() },
        ...(this.opts.localAddress !== undefined ? { localAddress: this.opts.localAddress } : {}),
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
