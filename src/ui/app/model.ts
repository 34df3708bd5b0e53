import type { LegacyTask, MasterState, ResourceMap } from './types.js';

// Views derived from /master/state.

export interface TaskRow extends LegacyTask {
  frameworkName: string;
  agentHostname: string;
  /** Acknowledged terminal tasks the master keeps in `completed_tasks`. */
  completed: boolean;
}

export function allTasks(s: MasterState): TaskRow[] {
  const hosts = new Map(s.slaves.map((a) => [a.id, a.hostname]));
  const rows: TaskRow[] = [];
  for (const fw of [...s.frameworks, ...s.completed_frameworks]) {
    for (const [list, completed] of [[fw.tasks, false], [fw.completed_tasks, true]] as const) {
      for (const t of list) rows.push({ ...t, frameworkName: fw.name, agentHostname: hosts.get(t.slave_id) ?? t.slave_id, completed });
    }
  }
  return rows;
}

export function countBy<T>(items: readonly T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return m;
}

export const scalar = (r: ResourceMap, name: string): number => {
  const v = r[name];
  return typeof v === 'number' ? v : 0;
};

export function sumResources(maps: readonly ResourceMap[], name: string): number {
  return maps.reduce((n, r) => n + scalar(r, name), 0);
}

const round = (n: number): string => String(Math.round(n * 100) / 100);

/** `mem` and `disk` are MB in Mesos. */
export function formatAmount(name: string, v: number): string {
  if (name === 'mem' || name === 'disk') return v >= 1024 ? `${round(v / 1024)} GB` : `${round(v)} MB`;
  return round(v);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${round(n / 1024)} KB`;
  return `${round(n / 1024 / 1024)} MB`;
}

/** Seconds since the epoch (Mesos) -> local date and time. */
export const formatTime = (secs: number): string => (secs > 0 ? new Date(secs * 1000).toLocaleString() : '-');

export const TERMINAL_STATES = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR']);
