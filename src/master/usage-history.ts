// The cluster's resource usage over the last hour, for the web UI's overview chart (and any
// script): a ring buffer of samples taken every `intervalMs` by the leading master (sum over the
// registered, reachable agents of their total and of what tasks use). It lives beside the Raft
// role, not in the replicated registry: a master that starts leading begins its own history.
import type { MasterContext } from './context.js';

export const USAGE_RESOURCES = ['cpus', 'mem', 'disk', 'gpus'] as const;
export type UsageResource = (typeof USAGE_RESOURCES)[number];

export interface UsageSample {
  /** ms since the epoch. */
  at: number;
  /** Registered, reachable agents at that moment. */
  agents: number;
  /** Used and total of each scalar (mem and disk in MB, as Mesos counts them). */
  resources: Record<UsageResource, { used: number; total: number }>;
}

export class UsageHistory {
  private readonly ring: (UsageSample | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly intervalMs: number, readonly windowMs: number) {
    if (!(intervalMs > 0) || !(windowMs >= intervalMs)) throw new Error(`bad usage history interval ${intervalMs} / window ${windowMs}`);
    this.ring = new Array<UsageSample | undefined>(Math.ceil(windowMs / intervalMs) + 1);
  }

  get capacity(): number {
    return this.ring.length;
  }

  record(s: UsageSample): void {
    this.ring[this.next] = s;
    this.next = (this.next + 1) % this.ring.length;
    this.size = Math.min(this.size + 1, this.ring.length);
  }

  /** Oldest first; only samples taken after `since` (ms since the epoch), if given. */
  samples(since?: number): UsageSample[] {
    const out: UsageSample[] = [];
    for (let i = 0; i < this.size; i++) {
      const s = this.ring[(this.next - this.size + i + this.ring.length) % this.ring.length]!;
      if (since === undefined || s.at > since) out.push(s);
    }
    return out;
  }
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/** What the cluster has and uses now. */
export function sampleUsage(ctx: MasterContext, at: number): UsageSample {
  const resources = Object.fromEntries(USAGE_RESOURCES.map((r) => [r, { used: 0, total: 0 }])) as UsageSample['resources'];
  let agents = 0;
  for (const a of ctx.state.agents.values()) {
    if (a.recovered || a.unreachableSince !== null) continue;
    agents++;
    const used = ctx.ledger.usedOnAgent(a.record.id);
    for (const r of USAGE_RESOURCES) {
      resources[r].total += a.total.scalar(r);
      resources[r].used += used.scalar(r);
    }
  }
  for (const r of USAGE_RESOURCES) resources[r] = { used: round(resources[r].used), total: round(resources[r].total) };
  return { at, agents, resources };
}
