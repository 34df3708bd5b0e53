// A light agent simulator for master benchmarks: N agents that speak the real agent channel
// (POST /tsmesos/v1/agent, RecordIO commands, UPDATE/HEARTBEAT calls) over loopback HTTP, with
// tasks that run instantly and, unless `finishAfterRunning` is false, finish once RUNNING is
// acknowledged. Only for benchmarks: the real agent is what the tests run.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { RecordDecoder } from '../src/lib/recordio.js';
import { encode } from '../src/wire/codec.js';
import { AgentCall, AgentEvent } from '../src/wire/agent-channel.js';
import type { TaskState } from '../src/domain/task-state.js';

export interface SimAgentsOptions {
  master: { host: string; port: number };
  count: number;
  /** Mesos resource text of each agent. */
  resources: string;
  finishAfterRunning: boolean;
}

interface Pending { frameworkId: string; taskId: string; state: TaskState }

const pool = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(target: { host: string; port: number }, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request({ host: target.host, port: target.port, path: '/tsmesos/v1/agent', method: 'POST', agent: pool, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(data);
  });
}

function resourceList(text: string): unknown[] {
  return text.split(';').map((part) => {
    const [name, value] = part.split(':') as [string, string];
    if (value.startsWith('[')) {
      const [b, e] = value.slice(1, -1).split('-').map(Number) as [number, number];
      return { name, type: 'RANGES', ranges: { range: [{ begin: b, end: e }] } };
    }
    return { name, type: 'SCALAR', scalar: { value: Number(value) } };
  });
}

export class SimAgents {
  readonly agentIds: string[] = [];
  running = 0;
  private readonly requests: http.ClientRequest[] = [];
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly opts: SimAgentsOptions) {}

  /** Subscribes every agent; resolves once all are SUBSCRIBED. */
  async start(): Promise<void> {
    const batch = 100;
    for (let i = 0; i < this.opts.count; i += batch) {
      await Promise.all(Array.from({ length: Math.min(batch, this.opts.count - i) }, (_, j) => this.subscribeOne(i + j)));
    }
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    for (const r of this.requests) r.destroy();
    pool.destroy();
  }

  private subscribeOne(n: number): Promise<void> {
    const body = encode(AgentCall, {
      type: 'SUBSCRIBE',
      subscribe: {
        agent_info: { hostname: `sim-${n}`, port: 20000 + (n % 40000), resources: resourceList(this.opts.resources) as never, attributes: [] },
        ip: '127.0.0.1',
        tasks: [],
      },
    });
    return new Promise((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = http.request({ host: this.opts.master.host, port: this.opts.master.port, path: '/tsmesos/v1/agent', method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`agent SUBSCRIBE answered ${res.statusCode}`));
          return;
        }
        const dec = new RecordDecoder();
        let agentId = '';
        const pending = new Map<string, Pending>();
        res.on('data', (chunk: Buffer) => {
          for (const record of dec.push(chunk)) {
            const e = AgentEvent.parse(JSON.parse(record));
            if (e.type === 'SUBSCRIBED' && e.subscribed) {
              agentId = e.subscribed.agent_id.value;
              this.agentIds.push(agentId);
              this.timers.push(setInterval(() => void post(this.opts.master, { type: 'HEARTBEAT', agent_id: { value: agentId } }).catch(() => undefined), 4000));
              resolve();
            } else if (e.type === 'LAUNCH' && e.launch) {
              this.report(agentId, pending, e.launch.framework_id.value, e.launch.task.task_id.value, 'TASK_RUNNING');
            } else if (e.type === 'ACKNOWLEDGED' && e.acknowledged) {
              const p = pending.get(e.acknowledged.uuid);
              pending.delete(e.acknowledged.uuid);
              if (p?.state === 'TASK_RUNNING') {
                this.running++;
                if (this.opts.finishAfterRunning) this.report(agentId, pending, p.frameworkId, p.taskId, 'TASK_FINISHED');
              }
            }
          }
        });
        res.on('error', () => undefined);
      });
      req.on('error', reject);
      req.end(data);
      this.requests.push(req);
    });
  }

  private report(agentId: string, pending: Map<string, Pending>, frameworkId: string, taskId: string, state: TaskState): void {
    const uuid = randomBytes(16).toString('base64');
    pending.set(uuid, { frameworkId, taskId, state });
    const call = encode(AgentCall, {
      type: 'UPDATE', agent_id: { value: agentId },
      update: { framework_id: { value: frameworkId }, latest_state: state, status: { task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR', agent_id: { value: agentId }, executor_id: { value: taskId }, timestamp: Date.now() / 1000, uuid } },
    });
    post(this.opts.master, call).catch(() => undefined);
  }
}
