import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { getJson, readMaster, rememberMasters } from './http.js';
import type { Polled } from './poll.js';
import { sumResources } from './model.js';
import type { MasterState, RaftStatus } from './types.js';

/** /master/state, polled once for the whole app (every page reads it). */
export const ClusterContext = createContext<Polled<MasterState>>({ data: undefined, error: undefined, at: undefined });

export const useCluster = (): Polled<MasterState> => useContext(ClusterContext);

/** One point of the overview's usage chart: fractions of the cluster's totals in use. */
export interface UsageSample {
  at: number;
  cpus: number;
  mem: number;
  disk: number;
}

const HOUR_MS = 3600_000;
/** Usage seen by this page since it opened, at most the last hour (the chart's data; no API keeps a history yet). */
export const usageHistory: UsageSample[] = [];

const fraction = (s: MasterState, r: string): number => {
  const total = sumResources(s.slaves.map((a) => a.resources), r);
  return total > 0 ? sumResources(s.slaves.map((a) => a.used_resources), r) / total : 0;
};

export async function loadState(signal: AbortSignal): Promise<MasterState> {
  const s = await readMaster<MasterState>('/master/state', signal);
  const at = Date.now();
  usageHistory.push({ at, cpus: fraction(s, 'cpus'), mem: fraction(s, 'mem'), disk: fraction(s, 'disk') });
  while (usageHistory.length > 0 && usageHistory[0]!.at < at - HOUR_MS) usageHistory.shift();
  return s;
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
