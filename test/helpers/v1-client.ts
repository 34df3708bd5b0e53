import http from 'node:http';
import { RecordDecoder } from '../../src/lib/recordio.js';
import { wireProblem } from './wire-check.js';
import { Event as EventMessage } from '../../src/wire/scheduler.js';

export type Event = Record<string, unknown> & { type: string };

/**
 * A small Mesos v1 scheduler client written for the tests: one SUBSCRIBE stream
 * whose events queue up, and plain POSTs for the other calls.
 */
export class V1Scheduler {
  readonly events: Event[] = [];
  private waiters: (() => void)[] = [];
  frameworkId = '';
  streamId = '';
  private req: http.ClientRequest | null = null;
  closed = false;

  /** `Location` headers of the 307s followed by `subscribe` (Mesos: `//leader-host:port/path`). */
  readonly redirects: string[] = [];

  /**
   * `master` is where calls go; `subscribe` moves it to the leader when it follows a 307.
   * `timeoutMs` is how long `next` waits by default (wall clock: it only turns a hang into a failure).
   */
  /** `checkWire: false` skips the canonical-encoding check of each event (benchmarks only: it costs CPU the load generator shares with the master). */
  /** `headers` go with every request (e.g. Authorization). */
  constructor(public master: string, private readonly opts: { timeoutMs?: number; checkWire?: boolean; headers?: Record<string, string> } = {}) {}

  /** SUBSCRIBE; with `followRedirects` > 0, a 307 from a non-leading master is followed to its Location. */
  async subscribe(frameworkInfo: Record<string, unknown>, opts: { followRedirects?: number } = {}): Promise<Event> {
    let redirectsLeft = opts.followRedirects ?? 0;
    for (;;) {
      const location = await this.open(frameworkInfo, redirectsLeft > 0);
      if (location === null) break;
      redirectsLeft--;
      this.redirects.push(location);
      this.master = new URL(location, this.master).origin;
    }
    const subscribed = await this.next((e) => e.type === 'SUBSCRIBED' || e.type === 'ERROR');
    if (subscribed.type === 'SUBSCRIBED') this.frameworkId = (subscribed['subscribed'] as { framework_id: { value: string } }).framework_id.value;
    return subscribed;
  }

  /** Opens the SUBSCRIBE stream; resolves the Location of a 307 when `follow`, else null once streaming. */
  private open(frameworkInfo: Record<string, unknown>, follow: boolean): Promise<string | null> {
    const url = new URL('/api/v1/scheduler', this.master);
    return new Promise<string | null>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...this.opts.headers } }, (res) => {
        if (res.statusCode === 307 && follow && res.headers.location) {
          res.resume();
          resolve(res.headers.location);
          return;
        }
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`SUBSCRIBE answered ${res.statusCode}`));
          return;
        }
        this.streamId = String(res.headers['mesos-stream-id'] ?? '');
        const dec = new RecordDecoder();
        res.on('data', (c: Buffer) => {
          for (const r of dec.push(c)) this.push(JSON.parse(r) as Event);
        });
        res.on('end', () => this.markClosed());
        res.on('error', () => this.markClosed());
        res.on('close', () => this.markClosed());
        resolve(null);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo } }));
      this.req = req;
    });
  }

  /** Events that are not canonical v1 Event JSON (see wire-check.ts); any one fails the next `next`. */
  readonly wireViolations: string[] = [];

  /** Next event matching `pred` (consumed from the queue), waiting up to `timeoutMs`. */
  async next(pred: (e: Event) => boolean, timeoutMs = this.opts.timeoutMs ?? 20_000): Promise<Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.wireViolations.length > 0) throw new Error(`the master sent an event that is not a valid v1 Event: ${this.wireViolations[0]}`);
      const i = this.events.findIndex(pred);
      if (i >= 0) return this.events.splice(i, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms; queue: ${this.events.map((e) => e.type).join(',')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Removes and returns every queued event matching `pred` (no waiting). */
  takeAll(pred: (e: Event) => boolean): Event[] {
    const out: Event[] = [];
    for (let i = 0; i < this.events.length;) {
      if (pred(this.events[i]!)) out.push(...this.events.splice(i, 1));
      else i++;
    }
    return out;
  }

  private barriers = 0;

  /**
   * Resolves once every event the master sent on this stream before now has been received:
   * an explicit RECONCILE of a task nobody has, on an agent nobody knows, makes the master
   * send one UPDATE (TASK_UNKNOWN) on the same stream, after everything it sent earlier;
   * that UPDATE is consumed here. What is not queued after `barrier()` was not sent: this is
   * how tests prove an absence without sleeping.
   */
  async barrier(): Promise<void> {
    const n = ++this.barriers;
    const taskId = `barrier-task-${n}`;
    const r = await this.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: taskId }, agent_id: { value: `barrier-agent-${n}` } }] } });
    if (r.status !== 202) throw new Error(`barrier RECONCILE answered ${r.status}: ${r.text}`);
    await this.next((e) => e.type === 'UPDATE' && updateOf(e).task_id.value === taskId, 10_000);
  }

  async call(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
    const res = await fetch(new URL('/api/v1/scheduler', this.master), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Mesos-Stream-Id': this.streamId, ...this.opts.headers, ...headers },
      body: JSON.stringify({ framework_id: { value: this.frameworkId }, ...body }),
    });
    return { status: res.status, text: await res.text() };
  }

  close(): void {
    this.req?.destroy();
    this.markClosed();
  }

  private push(e: Event): void {
    const problem = this.opts.checkWire === false ? null : wireProblem(EventMessage, e);
    if (problem !== null) this.wireViolations.push(problem);
    this.events.push(e);
    for (const w of this.waiters.splice(0)) w();
  }

  private markClosed(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w();
  }
}

export const updateOf = (e: Event): { state: string; uuid?: string; task_id: { value: string }; agent_id?: { value: string }; message?: string; reason?: string; source?: string } =>
  (e['update'] as { status: { state: string; uuid?: string; task_id: { value: string }; agent_id?: { value: string } } }).status;

export interface Offer {
  id: { value: string };
  agent_id: { value: string };
  framework_id?: { value: string };
  hostname?: string;
  resources?: { name: string; type: string; scalar?: { value: number }; ranges?: { range: { begin: number; end: number }[] } }[];
}

/** The offers of an OFFERS event: Mesos nests them (`{"type":"OFFERS","offers":{"offers":[...]}}`). */
export function offersOf<T = Offer>(e: Event): T[] {
  return (e['offers'] as { offers?: T[] } | undefined)?.offers ?? [];
}

export const isOffers = (e: Event): boolean => e.type === 'OFFERS';
