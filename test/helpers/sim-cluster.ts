import fs from 'node:fs';
import { onTestFailed, onTestFinished } from 'vitest';
import { resolveUpConfig, type UpConfig } from '../../src/cli/up-config.js';
import type { ContainerRuntime } from '../../src/containerizer/composing.js';
import { createLogger, type Logger } from '../../src/lib/log.js';
import { seededRng, type Rng } from '../../src/lib/rng.js';
import { startAgent } from '../../src/roles/agent.js';
import { startMaster, type RunningRole } from '../../src/roles/master.js';
import { ManualClock, settle } from './manual-clock.js';
import { V1Scheduler } from './v1-client.js';
import { freePort, tempDir } from './process.js';

/**
 * An in-process cluster on a manual clock: the real master (roles/master.ts: SQLite registry
 * in a temp dir, one-member Raft driver, hono on a loopback port) and the real agent
 * (roles/agent.ts: master link over HTTP, posix containerizer unless a double is given), both
 * on one ManualClock. Nothing waits on wall-clock time: timers fire when the test advances
 * the clock, and the event loop settles between instants.
 *
 * `simCluster()` ties the cluster to the current test (stopped and its data dir removed when
 * the test ends, pass or fail; its logs are printed when it fails). One cluster per test.
 */
export interface SimClusterOptions {
  /** Start the agent too (default true). */
  agent?: boolean;
  /** Agent resources (Mesos syntax). */
  resources?: string;
  /** More `up` flags (camelCase keys, as resolveUpConfig takes them), e.g. { agentReregisterTimeout: '1mins' }. */
  flags?: Record<string, string>;
  /** Flags of the agent only, over `flags` (e.g. another --domain than the master's). */
  agentFlags?: Record<string, string>;
  /** A containerizer double for tests of the master's behaviour; default: the real posix one. */
  containerizer?: ContainerRuntime;
  /** Seed of the cluster's Rng (ids, backoff, Raft randomness). */
  seed?: number;
}

export interface SlaveJson { id: string; hostname: string; active: boolean }
export interface MasterStateJson {
  slaves: SlaveJson[];
  recovered_slaves: { id: string }[];
  unreachable_slaves: number;
  frameworks: { id: string; name: string; active: boolean; offers: unknown[]; tasks: unknown[] }[];
  completed_frameworks: { id: string }[];
}

// The Raft driver ticks on the manual clock too, at the real --heartbeat-interval (100 ms): a
// one-member cluster elects itself at start and needs no tick for anything a test sees, so a
// test that advances hours may pass { heartbeatInterval: '1secs', electionTimeout: '10secs' }
// in `flags` to fire 10x fewer timers (about 0.3 s instead of 0.6 s per 10 minutes advanced).

export class SimCluster {
  readonly clock = new ManualClock();
  readonly rng: Rng;
  readonly dataDir = tempDir('tsmesos-sim-');
  readonly logs: string[] = [];
  private readonly logger: Logger;
  private masterRole: RunningRole | null = null;
  private agentRole: RunningRole | null = null;
  private config!: UpConfig;
  private agentConfig!: UpConfig;
  private stopped = false;
  private readonly clients: V1Scheduler[] = [];

  private constructor(private readonly opts: SimClusterOptions) {
    this.rng = seededRng(opts.seed ?? 1);
    this.logger = createLogger('debug', 'sim', (line) => {
      this.logs.push(`[t=${this.clock.monotonic()}ms] ${line}`);
    });
  }

  /** Starts a cluster that the caller must `stop()`; tests use `simCluster()`. */
  static async start(opts: SimClusterOptions = {}): Promise<SimCluster> {
    const c = new SimCluster(opts);
    try {
      const port = String(await freePort());
      const agentPort = String(await freePort());
      const flags = {
        role: 'all', dataDir: c.dataDir, port, agentPort, resources: opts.resources ?? 'cpus:2;mem:1024;disk:1024;ports:[31000-31010]',
        // Its agent connects over plain HTTP (these tests are about the master's logic, not the agent's transport).
        marathonPort: '0', agentTls: 'optional',
        // Their frameworks' user ('u') does not exist here: tasks run as the agent's user (posix-user tests set it true).
        switchUser: 'false', ...opts.flags,
      };
      c.config = resolveUpConfig(flags, {});
      c.agentConfig = opts.agentFlags ? resolveUpConfig({ ...flags, ...opts.agentFlags }, {}) : c.config;
      await c.startMaster();
      if (opts.agent ?? true) await c.startAgent();
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  get master(): string {
    return `http://${this.config.ip}:${this.config.masterPort}`;
  }

  get agent(): string {
    return `http://${this.config.ip}:${this.config.agentPort}`;
  }

  /** Starts (or restarts, on the same data dir and port) the master; resolves once it serves as leader. */
  async startMaster(): Promise<void> {
    if (this.masterRole) throw new Error('the master is already running');
    this.masterRole = await startMaster({ ...this.config, role: 'master' }, this.logger, { clock: this.clock, rng: this.rng });
    // Election, the leader's no-op and the registry load run on the event loop, not on timers.
    await this.untilSettled('the master to lead and serve', async () => ((await this.fetch('/master/state')).status === 200 ? true : undefined));
  }

  async stopMaster(): Promise<void> {
    const m = this.masterRole;
    this.masterRole = null;
    await m?.stop();
  }

  /** Starts (or restarts, under its checkpointed id) the agent; resolves once the master lists it active. */
  async startAgent(): Promise<void> {
    if (this.agentRole) throw new Error('the agent is already running');
    const cfg: UpConfig = { ...this.agentConfig, role: 'agent', masters: [{ host: this.config.ip, port: this.config.masterPort }] };
    this.agentRole = await startAgent(cfg, this.logger, { clock: this.clock, rng: this.rng, ...(this.opts.containerizer ? { containerizer: this.opts.containerizer } : {}) });
    await this.untilSettled('the agent to register', async () => {
      const id = await this.agentId();
      return (await this.state()).slaves.some((a) => a.active && a.id === id) ? true : undefined;
    });
  }

  async stopAgent(): Promise<void> {
    const a = this.agentRole;
    this.agentRole = null;
    await a?.stop();
  }

  /** The agent's id as it reports it (GET /state on the agent). */
  async agentId(): Promise<string> {
    const r = await fetch(`${this.agent}/state`);
    const id = ((await r.json()) as { id?: string }).id;
    if (!id) throw new Error('the agent has no id yet');
    return id;
  }

  /** A scheduler client of this cluster's master, closed when the cluster stops. */
  client(): V1Scheduler {
    // On a manual clock an awaited event arrives within a few event-loop turns or never: fail fast.
    const s = new V1Scheduler(this.master, { timeoutMs: 5_000 });
    this.clients.push(s);
    return s;
  }

  /** A client subscribed with `info` (user 'u' unless given). */
  async scheduler(info: Record<string, unknown>): Promise<V1Scheduler> {
    const s = this.client();
    const e = await s.subscribe({ user: 'u', ...info });
    if (e.type !== 'SUBSCRIBED') throw new Error(`SUBSCRIBE failed: ${JSON.stringify(e)}`);
    return s;
  }

  /** Moves the cluster's time forward (timers fire in order; the event loop settles between instants). */
  advance(ms: number): Promise<void> {
    return this.clock.advance(ms);
  }

  /** Moves the cluster's monotonic time to `t`. */
  advanceTo(t: number): Promise<void> {
    return this.clock.advanceTo(t);
  }

  /** Lets in-flight I/O finish without moving time. */
  settle(): Promise<void> {
    return settle();
  }

  /** A request to the master (loopback HTTP). */
  fetch(path: string, init?: RequestInit): Promise<Response> {
    return fetch(new URL(path, this.master), init);
  }

  async state(): Promise<MasterStateJson> {
    const r = await this.fetch('/master/state');
    if (r.status !== 200) throw new Error(`/master/state answered ${r.status}`);
    return (await r.json()) as MasterStateJson;
  }

  /**
   * Polls `f` without moving time, settling the event loop in between, until it yields a value.
   * For progress that needs no timer (HTTP round trips, SQLite commits); the wall-clock bound
   * only turns a hang into a failure.
   */
  async untilSettled<T>(what: string, f: () => Promise<T | undefined> | T | undefined, wallLimitMs = 10_000): Promise<T> {
    const deadline = Date.now() + wallLimitMs;
    let last: unknown;
    for (;;) {
      try {
        const v = await f();
        if (v !== undefined) return v;
      } catch (e) {
        last = e;
      }
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} (time did not move: t=${this.clock.monotonic()}ms)${last instanceof Error ? `: ${last.message}` : ''}`);
      await settle();
    }
  }

  /**
   * Advances time in `stepMs` steps until `f` yields a value, at most `maxMs` of cluster time:
   * for what happens after a timer whose exact deadline the test does not know (a randomized backoff).
   */
  async until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, opts: { stepMs?: number; maxMs?: number } = {}): Promise<T> {
    const step = opts.stepMs ?? 100;
    const end = this.clock.monotonic() + (opts.maxMs ?? 60_000);
    for (;;) {
      const v = await f();
      if (v !== undefined) return v;
      if (this.clock.monotonic() >= end) throw new Error(`no ${what} within ${opts.maxMs ?? 60_000} ms of cluster time`);
      await this.advance(step);
    }
  }

  /** Closes the clients, stops agent and master, and removes the data directory. Idempotent; never throws. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const errors: unknown[] = [];
    for (const s of this.clients) s.close();
    await this.stopAgent().catch((e: unknown) => errors.push(e));
    await this.stopMaster().catch((e: unknown) => errors.push(e));
    fs.rmSync(this.dataDir, { recursive: true, force: true });
    if (errors.length > 0) this.logs.push(`stop failed: ${errors.map(String).join('; ')}`);
  }
}

/** A SimCluster owned by the running test: stopped and removed when it ends; logs shown on failure. */
export async function simCluster(opts: SimClusterOptions = {}): Promise<SimCluster> {
  const c = await SimCluster.start(opts);
  onTestFailed(() => {
    process.stderr.write(`--- cluster logs (t=${c.clock.monotonic()}ms) ---\n${c.logs.slice(-200).join('')}`);
  });
  onTestFinished(() => c.stop());
  return c;
}
