// A Mesos v1 scheduler client: one SUBSCRIBE stream (RecordIO of JSON Events) that is kept
// open (resubscribing with the framework id after a drop, with backoff), and the other calls
// as single POSTs carrying Mesos-Stream-Id. Every call is encoded and every event decoded by
// the wire layer, so what this client speaks is the protocol external frameworks speak.
// The built-in services scheduler uses it; the jobs scheduler will too.
import type { Clock, Timer } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { Rng } from '../lib/rng.js';
import { backoffDelay } from '../lib/backoff.js';
import { RecordDecoder } from '../lib/recordio.js';
import { decode, encode } from '../wire/codec.js';
import { Call, Event } from '../wire/scheduler.js';
import type { FrameworkInfo, TaskStatus } from '../wire/mesos.js';
import { readText, type SchedulerTransport, type TransportResponse } from './transport.js';

type AcceptPayload = NonNullable<Call['accept']>;
export type OfferOperation = AcceptPayload['operations'][number];
export type TaskInfo = NonNullable<OfferOperation['launch']>['task_infos'][number];
export type { Event as SchedulerEvent } from '../wire/scheduler.js';

export interface SchedulerClientOptions {
  transport: SchedulerTransport;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  /** The FrameworkInfo to subscribe with; read at every (re)subscription, so a known id fails over. */
  frameworkInfo(): FrameworkInfo;
  /** Every event in stream order (SUBSCRIBED included). */
  onEvent(event: Event): void;
  /** The stream dropped; the client resubscribes on its own. */
  onDisconnected?(): void;
}

export class SchedulerCallError extends Error {
  constructor(readonly call: string, readonly status: number, readonly body: string) {
    super(`${call} answered ${status}: ${body.slice(0, 300)}`);
    this.name = 'SchedulerCallError';
  }
}

/** Silence longer than this many heartbeat intervals means the stream is dead (Mesos: a few missed heartbeats). */
const MISSED_HEARTBEATS = 5;

export class SchedulerClient {
  private frameworkId: string | null = null;
  private streamId: string | null = null;
  private current: TransportResponse | null = null;
  private stopped = true;
  private attempt = 0;
  private retryTimer: Timer | null = null;
  private watchdog: Timer | null = null;
  private lastEventAt = 0;
  private heartbeatMs = 15_000;

  constructor(private readonly opts: SchedulerClientOptions) {}

  get subscribed(): boolean {
    return this.streamId !== null && this.frameworkId !== null;
  }

  get id(): string | null {
    return this.frameworkId;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Closes the stream (the master keeps the framework for its failover timeout). */
  stop(): void {
    this.stopped = true;
    this.retryTimer?.cancel();
    this.watchdog?.cancel();
    this.retryTimer = this.watchdog = null;
    this.drop();
  }

  accept(offerIds: string[], operations: OfferOperation[], refuseSeconds?: number): Promise<void> {
    return this.send({
      type: 'ACCEPT',
      accept: { offer_ids: offerIds.map((value) => ({ value })), operations, ...(refuseSeconds !== undefined ? { filters: { refuse_seconds: refuseSeconds } } : {}) },
    });
  }

  decline(offerIds: string[], refuseSeconds?: number): Promise<void> {
    return this.send({
      type: 'DECLINE',
      decline: { offer_ids: offerIds.map((value) => ({ value })), ...(refuseSeconds !== undefined ? { filters: { refuse_seconds: refuseSeconds } } : {}) },
    });
  }

  kill(taskId: string, agentId?: string, gracePeriodSeconds?: number): Promise<void> {
    return this.send({
      type: 'KILL',
      kill: {
        task_id: { value: taskId },
        ...(agentId !== undefined ? { agent_id: { value: agentId } } : {}),
        ...(gracePeriodSeconds !== undefined ? { kill_policy: { grace_period: { nanoseconds: Math.round(gracePeriodSeconds * 1e9) } } } : {}),
      },
    });
  }

  acknowledge(status: Pick<TaskStatus, 'agent_id' | 'task_id' | 'uuid'>): Promise<void> {
    if (status.uuid === undefined || status.agent_id === undefined) return Promise.resolve();
    return this.send({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } });
  }

  /** Explicit reconciliation of these tasks; none listed: implicit (the master sends all it knows). */
  reconcile(tasks: { taskId: string; agentId?: string }[] = []): Promise<void> {
    return this.send({
      type: 'RECONCILE',
      reconcile: { tasks: tasks.map((t) => ({ task_id: { value: t.taskId }, ...(t.agentId !== undefined ? { agent_id: { value: t.agentId } } : {}) })) },
    });
  }

  revive(roles: string[] = []): Promise<void> {
    return this.send({ type: 'REVIVE', revive: { roles } });
  }

  suppress(roles: string[] = []): Promise<void> {
    return this.send({ type: 'SUPPRESS', suppress: { roles } });
  }

  teardown(): Promise<void> {
    return this.send({ type: 'TEARDOWN' });
  }

  private async send(call: Omit<Call, 'framework_id'>): Promise<void> {
    if (this.frameworkId === null || this.streamId === null) throw new SchedulerCallError(call.type, 0, 'not subscribed');
    const body = JSON.stringify(encode(Call, { ...call, framework_id: { value: this.frameworkId } }));
    const res = await this.opts.transport.post(body, { 'Content-Type': 'application/json', Accept: 'application/json', 'Mesos-Stream-Id': this.streamId });
    const text = await readText(res);
    if (res.status !== 202 && res.status !== 200) throw new SchedulerCallError(call.type, res.status, text);
  }

  private connect(): void {
    if (this.stopped) return;
    this.subscribeOnce().catch((e: unknown) => {
      this.opts.logger.warn('scheduler subscription failed', { error: e instanceof Error ? e.message : String(e) });
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    this.drop();
    if (this.stopped || this.retryTimer) return;
    this.opts.onDisconnected?.();
    const delay = backoffDelay(this.attempt++, 250, 10_000, this.opts.rng);
    this.retryTimer = this.opts.clock.setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private drop(): void {
    this.streamId = null;
    const c = this.current;
    this.current = null;
    c?.cancel();
  }

  private async subscribeOnce(): Promise<void> {
    const info = this.opts.frameworkInfo();
    const call: Call = {
      type: 'SUBSCRIBE',
      ...(info.id !== undefined ? { framework_id: info.id } : {}),
      subscribe: { framework_info: info, suppressed_roles: [] },
    };
    const res = await this.opts.transport.post(JSON.stringify(encode(Call, call)), { 'Content-Type': 'application/json', Accept: 'application/json' });
    if (this.stopped) {
      res.cancel();
      return;
    }
    if (res.status !== 200) throw new SchedulerCallError('SUBSCRIBE', res.status, await readText(res));
    const streamId = res.header('mesos-stream-id');
    if (streamId === undefined) throw new SchedulerCallError('SUBSCRIBE', res.status, 'no Mesos-Stream-Id header');
    this.current = res;
    this.lastEventAt = this.opts.clock.monotonic();
    this.armWatchdog();
    const decoder = new RecordDecoder();
    try {
      for await (const chunk of res.body) {
        for (const record of decoder.push(chunk)) {
          const event = decode(Event, JSON.parse(record) as unknown, 'event');
          this.lastEventAt = this.opts.clock.monotonic();
          if (event.type === 'SUBSCRIBED' && event.subscribed) {
            this.frameworkId = event.subscribed.framework_id.value;
            this.streamId = streamId;
            this.attempt = 0;
            if (event.subscribed.heartbeat_interval_seconds !== undefined) this.heartbeatMs = event.subscribed.heartbeat_interval_seconds * 1000;
          }
          if (event.type === 'ERROR') {
            this.opts.logger.error('the master ended the subscription', { message: event.error?.message ?? '' });
            // The id is dead (torn down, or taken over): the next subscription is told by frameworkInfo().
            this.frameworkId = null;
            this.streamId = null;
          }
          this.deliver(event);
        }
        if (this.current !== res) return;
      }
    } finally {
      if (this.current === res) this.scheduleReconnect();
    }
  }

  private deliver(event: Event): void {
    try {
      this.opts.onEvent(event);
    } catch (e) {
      this.opts.logger.error('scheduler event handler failed', { event: event.type, error: e instanceof Error ? e.stack : String(e) });
    }
  }

  private armWatchdog(): void {
    this.watchdog?.cancel();
    this.watchdog = this.opts.clock.setInterval(() => {
      if (this.current && this.opts.clock.monotonic() - this.lastEventAt > this.heartbeatMs * MISSED_HEARTBEATS) {
        this.opts.logger.warn('scheduler stream silent; resubscribing');
        this.scheduleReconnect();
      }
    }, 1000);
  }
}
