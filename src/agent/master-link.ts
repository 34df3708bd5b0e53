import type http from 'node:http';
import { backoffDelay } from '../lib/backoff.js';
import { AGENT_CHANNEL_PATH } from '../wire/agent-channel.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { RecordDecoder } from '../lib/recordio.js';
import type { Rng } from '../lib/rng.js';
import { HttpClient, followLocation, type HttpTarget } from '../lib/http-client.js';

export interface MasterLinkOptions {
  masters: { host: string; port: number }[];
  /** Source address of every connection to a master (the agent's --ip); used when `http` is not given. */
  localAddress?: string;
  /** The client stack to reach masters through (default: one with `localAddress`). */
  http?: HttpClient;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  /** Body of SUBSCRIBE, built fresh on each attempt (agent id and tasks change). */
  subscribeCall: () => unknown;
  onEvent: (event: Record<string, unknown>) => void;
  onDisconnected: () => void;
  /** No event for this long (heartbeats included) means the master is gone. */
  silenceTimeoutMs?: number;
}

/**
 * Keeps the agent subscribed to the leading master: tries each known master,
 * follows 307s to the leader, reconnects with backoff, and watches heartbeats.
 */
/** The master answered the subscription with 401/403: it will not take this agent as it is. */
class SubscriptionRefused extends Error {}

export class MasterLink {
  private current: HttpTarget | null = null;
  private activeReq: http.ClientRequest | null = null;
  private stopped = false;
  private attempt = 0;
  /** The last refusal logged (each distinct one is logged once). */
  private lastRefusal: string | null = null;
  private nextMaster = 0;
  private retryTimer: { cancel(): void } | null = null;
  private readonly http: HttpClient;
  private readonly callPool: http.Agent;

  constructor(private readonly opts: MasterLinkOptions) {
    this.http = opts.http ?? new HttpClient(opts.localAddress !== undefined ? { localAddress: opts.localAddress } : {});
    // Updates and heartbeats reuse connections: a status update is then one request, not a TCP handshake too.
    this.callPool = this.http.keepAliveAgent(4);
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.retryTimer?.cancel();
    this.activeReq?.destroy();
    this.callPool.destroy();
  }

  get connectedTo(): HttpTarget | null {
    return this.current;
  }

  /** Sends a call to the master we are subscribed with. */
  async call(body: unknown): Promise<number> {
    const target = this.current;
    if (!target) throw new Error('not connected to a master');
    const res = await this.http.request({
      host: target.host, port: target.port, path: AGENT_CHANNEL_PATH, method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body), timeoutMs: 10_000, agent: this.callPool,
    });
    return res.status;
  }

  private connect(): void {
    if (this.stopped) return;
    const m = this.opts.masters[this.nextMaster++ % this.opts.masters.length]!;
    this.subscribe({ host: m.host, port: m.port, path: AGENT_CHANNEL_PATH }, 0).then(
      () => this.scheduleRetry(),
      (e: unknown) => {
        const error = e instanceof Error ? e.message : String(e);
        // A refusal (e.g. a plain-HTTP agent where the cluster requires mutual TLS) is the
        // operator's to fix: said once at error level, not on every retry.
        if (e instanceof SubscriptionRefused && error !== this.lastRefusal) this.opts.logger.error('the master refused this agent', { error });
        else this.opts.logger.debug('master subscription ended', { error });
        if (e instanceof SubscriptionRefused) this.lastRefusal = error;
        this.scheduleRetry();
      },
    );
  }

  private scheduleRetry(): void {
    const wasConnected = this.current !== null;
    this.current = null;
    this.activeReq = null;
    if (wasConnected && !this.stopped) this.opts.onDisconnected();
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt++, 200, 5000, this.opts.rng);
    this.retryTimer = this.opts.clock.setTimeout(() => this.connect(), delay);
  }

  private async subscribe(target: HttpTarget, redirects: number): Promise<void> {
    const { req, res } = await this.http.open({
      ...target, method: 'POST', responseTimeoutMs: 10_000,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(this.opts.subscribeCall()),
    });
    this.activeReq = req;
    // stop() came while the subscription was being opened (it had no request to destroy yet).
    if (this.stopped) {
      req.destroy();
      return;
    }
    if (res.statusCode === 307 && redirects < 3) {
      res.resume();
      const next = followLocation(String(res.headers.location ?? ''), target);
      if (!next) throw new Error('master redirected to an unparseable location');
      return this.subscribe(next, redirects + 1);
    }
    if (res.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const text = `master ${target.host}:${target.port} refused subscription: ${res.statusCode} ${Buffer.concat(chunks).toString('utf8').slice(0, 400)}`;
      throw res.statusCode === 401 || res.statusCode === 403 ? new SubscriptionRefused(text) : new Error(text);
    }
    this.current = target;
    this.lastRefusal = null;
    const decoder = new RecordDecoder();
    const silence = this.opts.silenceTimeoutMs ?? 20_000;
    let watchdog = this.opts.clock.setTimeout(() => req.destroy(new Error('master went silent')), silence);
    try {
      for await (const chunk of res) {
        for (const record of decoder.push(chunk as Buffer)) {
          watchdog.cancel();
          watchdog = this.opts.clock.setTimeout(() => req.destroy(new Error('master went silent')), silence);
          if (this.stopped) return;
          const event = JSON.parse(record) as Record<string, unknown>;
          if (event['type'] === 'SUBSCRIBED') this.attempt = 0;
          this.opts.onEvent(event);
        }
      }
    } finally {
      watchdog.cancel();
    }
  }
}
