import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { getJson, readMaster, rememberLeader, rememberMasters } from './http.js';
import { noteEvent } from './live.js';
import type { Polled } from './poll.js';
import { sumResources } from './model.js';
import type { MasterState, RaftStatus, UsageHistory } from './types.js';

/** /master/state, polled once for the whole app (every page reads it). */
export const ClusterContext = createContext<Polled<MasterState>>({ data: undefined, error: undefined, at: undefined });

export const useCluster = (): Polled<MasterState> => useContext(ClusterContext);

/** One point of the overview's usage chart: fractions of the cluster's totals in use. */
export interface UsageSample {
  at: number;
  cpus: number;
  mem: number;
  disk: number;
  gpus: number;
}

const fraction = (s: MasterState, r: string): number => {
  const total = sumResources(s.slaves.map((a) => a.resources), r);
  return total > 0 ? sumResources(s.slaves.map((a) => a.used_resources), r) / total : 0;
};

/** The cluster's use now, from /master/state (the chart's last point, between the leader's samples). */
export const usageNow = (s: MasterState, at: number): UsageSample => ({ at, cpus: fraction(s, 'cpus'), mem: fraction(s, 'mem'), disk: fraction(s, 'disk'), gpus: fraction(s, 'gpus') });

/** GPUs: whether the cluster has any (the chart draws their line only then). */
export const hasGpus = (s: MasterState): boolean => sumResources(s.slaves.map((a) => a.resources), 'gpus') > 0;

let servicesRunning = false;
let lastLeader: string | undefined;

/** Whether the last /master/state had the built-in services scheduler subscribed (its /v2/events answer then). */
export const servicesSchedulerRunning = (): boolean => servicesRunning;

export async function loadState(signal: AbortSignal): Promise<MasterState> {
  const s = await readMaster<MasterState>('/master/state', signal);
  rememberLeader(s.leader);
  // An election the page lived through (a failover) joins the recent events.
  if (lastLeader !== undefined && s.leader !== undefined && s.leader !== lastLeader) noteEvent('LEADER_ELECTED', `${s.leader} leads (was ${lastLeader})`);
  if (s.leader !== undefined) lastLeader = s.leader;
  servicesRunning = s.frameworks.some((f) => f.name === 'tsmesos-services' && f.active && f.connected);
  return s;
}

/** The leader's usage history (GET /tsmesos/v1/usage: a sample every interval_ms over the last hour) as fractions. */
export async function loadUsage(signal: AbortSignal): Promise<{ intervalMs: number; samples: UsageSample[] }> {
  const u = await readMaster<UsageHistory>('/tsmesos/v1/usage', signal);
  const f = (x: { used: number; total: number } | undefined): number => (x && x.total > 0 ? x.used / x.total : 0);
  return {
    intervalMs: u.interval_ms,
    samples: u.samples.map((p) => ({ at: p.at, cpus: f(p.resources.cpus), mem: f(p.resources.mem), disk: f(p.resources.disk), gpus: f(p.resources.gpus) })),
  };
}

/** Learns the masters (Raft members) so that any page can fail over to them; no display. */
export async function loadMembers(signal: AbortSignal): Promise<number> {
  const here = await readMaster<RaftStatus>('/tsmesos/raft/v1/status', signal);
  rememberMasters([...here.voters, ...here.learners]);
  return here.voters.length + here.learners.length;
}

export interface MasterRow {
  id: string;
  status: RaftStatus | undefined;
  error: string | undefined;
  learner: boolean;
  lag: number | undefined;
}

/**
 * Every master's Raft status: this page's master names the members (and the leader); each is
 * asked directly (any member answers /tsmesos/raft/v1/status). Lag = leader commit - applied.
 */
export async function loadMasters(signal: AbortSignal): Promise<MasterRow[]> {
  const here = await readMaster<RaftStatus>('/tsmesos/raft/v1/status', signal);
  const members = [...here.voters, ...here.learners];
  rememberMasters(members);
  const statuses = await Promise.all(members.map(async (id): Promise<RaftStatus | Error> => {
    if (id === here.id) return here;
    try {
      return await readStatus(id, signal);
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  }));
  const leader = statuses.find((s): s is RaftStatus => !(s instanceof Error) && s.role === 'leader');
  return members.map((id, i) => {
    const s = statuses[i];
    const status = s instanceof Error ? undefined : s;
    const match = leader?.progress?.find((p) => p.id === id)?.match;
    const lag = leader === undefined ? undefined : status ? Math.max(0, leader.commit - status.applied) : match !== undefined ? Math.max(0, leader.commit - match) : undefined;
    return { id, status, error: s instanceof Error ? s.message : undefined, learner: here.learners.includes(id), lag };
  });
}

const readStatus = (id: string, signal: AbortSignal): Promise<RaftStatus> => getJson<RaftStatus>(`${location.protocol}//${id}/tsmesos/raft/v1/status`, signal);
