import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { tempDir, tsmesos, waitFor, type Proc } from './process.js';

// Shared by the multi-process cluster tests: master processes on their own loopback
// addresses, the serving leader, CLI runs, and iptables partitions between test hosts.

export const ELECTION_BOUND_MS = 6000; // 1-2 s randomized timeout + pre-vote/vote rounds + process slack on 2 shared cores

export interface RaftStatus { id: string; role: string; term: number; lead: string; commit: number; applied: number; voters: string[]; learners: string[] }

export class MasterNode {
  proc: Proc | null = null;
  readonly dataDir = tempDir('tsmesos-master-');
  /** Output of earlier runs of this node (it may be killed and restarted). */
  private readonly outputs: string[] = [];
  constructor(readonly ip: string, readonly port: number) {}
  get id(): string {
    return `${this.ip}:${this.port}`;
  }
  get url(): string {
    return `http://${this.id}`;
  }
  start(peers: string[], extraArgs: string[] = []): void {
    this.proc = tsmesos(['up', '--role', 'master', '--ip', this.ip, '--port', String(this.port), '--data-dir', this.dataDir,
      ...(peers.length > 0 ? ['--peers', peers.join(',')] : []), ...extraArgs], { env: { ...process.env, TSMESOS_RAFT_BENCH: '1' } });
  }
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.proc;
    if (!p) return;
    this.proc = null;
    p.kill(signal);
    await p.exited;
    this.outputs.push(p.output());
  }
  output(): string {
    return [...this.outputs, this.proc?.output() ?? ''].join('\n--- (restarted) ---\n');
  }
  async status(): Promise<RaftStatus | null> {
    if (!this.proc) return null;
    try {
      const r = await fetch(`${this.url}/tsmesos/raft/v1/status`, { signal: AbortSignal.timeout(500) });
      return r.status === 200 ? ((await r.json()) as RaftStatus) : null;
    } catch {
      return null;
    }
  }
}

/** The leader whose master services are up (it answers /master/state with 200), among `nodes`. */
export async function servingLeader(nodes: MasterNode[], timeoutMs = ELECTION_BOUND_MS): Promise<MasterNode> {
  return waitFor('a serving leader', async () => {
    let best: { n: MasterNode; term: number } | undefined;
    for (const n of nodes) {
      const s = await n.status();
      if (s?.role === 'leader' && (!best || s.term > best.term)) best = { n, term: s.term };
    }
    if (!best) return undefined;
    const r = await fetch(`${best.n.url}/master/state`, { signal: AbortSignal.timeout(500), redirect: 'manual' }).catch(() => null);
    return r?.status === 200 ? best.n : undefined;
  }, timeoutMs, 50);
}

export async function benchWrite(leader: MasterNode): Promise<number> {
  const r = await fetch(`${leader.url}/tsmesos/raft/v1/bench/propose`, { method: 'POST', signal: AbortSignal.timeout(3000) });
  if (r.status !== 200) throw new Error(`bench propose answered ${r.status}`);
  return ((await r.json()) as { index: number }).index;
}

export async function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  const p = tsmesos(args);
  const { code } = await p.exited;
  return { code, out: p.output() };
}

const iptablesOk = spawnSync('iptables', ['-L', 'INPUT', '-n'], { stdio: 'ignore' }).status === 0;

/** Partition tests run everywhere the suite runs (scripts/test-all.sh installs iptables); without it they fail, saying why. */
export function requireIptables(): void {
  if (!iptablesOk) throw new Error('this test partitions test hosts with iptables, which is missing or unusable here (scripts/test-all.sh installs it; needs root)');
}

const rules: string[][] = [];
function iptables(op: '-A' | '-D', rule: string[]): void {
  const r = spawnSync('iptables', [op, 'INPUT', ...rule], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`iptables ${op} ${rule.join(' ')}: ${r.stderr}`);
}
export function partition(a: string, others: string[]): void {
  for (const b of others) {
    for (const [s, d] of [[a, b], [b, a]] as const) {
      const rule = ['-s', s, '-d', d, '-j', 'DROP'];
      iptables('-A', rule);
      rules.push(rule);
    }
  }
}
export function heal(): void {
  for (const rule of rules.splice(0)) {
    try {
      iptables('-D', rule);
    } catch {
      // already gone
    }
  }
}


/** A non-leading master answers schedulers and /master/redirect with a 307 to the leader (Mesos `//host:port` form). */
export async function expectRedirectsToLeader(from: MasterNode, leader: MasterNode): Promise<void> {
  const r = await fetch(`${from.url}/api/v1/scheduler`, {
    method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'redirect-probe' } } }),
  });
  await r.body?.cancel();
  expect(r.status).toBe(307);
  expect(r.headers.get('location')).toBe(`//${leader.id}/api/v1/scheduler`);
  const rd = await fetch(`${from.url}/master/redirect`, { redirect: 'manual' });
  expect(rd.status).toBe(307);
  expect(rd.headers.get('location')).toBe(`//${leader.id}`);
}
