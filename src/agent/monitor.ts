// The agent's `/monitor/statistics` (Mesos ResourceUsage JSON): one entry per running task (the
// command executor's container), with what its containerizer measures (cgroups, docker, pidusage).
import { isTerminal } from '../domain/task-state.js';
import type { ContainerUsage } from '../containerizer/types.js';
import type { AgentFramework, AgentTask } from './agent.js';

/** Containers measured at once: docker's stats call takes a second or so each. */
const CONCURRENCY = 16;

export function statisticsJson(u: ContainerUsage): Record<string, number> {
  return {
    timestamp: u.timestamp,
    cpus_user_time_secs: u.cpusUserTimeSecs ?? u.cpusTimeSecs,
    cpus_system_time_secs: u.cpusSystemTimeSecs ?? 0,
    ...(u.cpusLimit !== undefined ? { cpus_limit: u.cpusLimit } : {}),
    ...(u.cpusNrThrottled !== undefined ? { cpus_nr_throttled: u.cpusNrThrottled } : {}),
    mem_rss_bytes: u.memRssBytes,
    ...(u.memLimitBytes !== undefined ? { mem_limit_bytes: u.memLimitBytes } : {}),
  };
}

export async function monitorStatistics(
  frameworks: Iterable<AgentFramework>,
  usage: (containerId: string) => Promise<ContainerUsage | undefined>,
): Promise<Record<string, unknown>[]> {
  const tasks: AgentTask[] = [];
  for (const fw of frameworks) for (const t of fw.tasks.values()) if (!isTerminal(t.state) && t.sandbox !== null) tasks.push(t);
  const out: (Record<string, unknown> | null)[] = new Array<Record<string, unknown> | null>(tasks.length).fill(null);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      const t = tasks[i]!;
      // A container that ended (or cannot be read) in the meantime is left out, as Mesos does.
      const u = await usage(t.containerId).catch(() => undefined);
      if (!u) continue;
      const id = t.info.taskId;
      out[i] = {
        executor_id: id, executor_name: `Command Executor (Task: ${id})`, framework_id: t.frameworkId, source: id,
        container_id: t.containerId, statistics: statisticsJson(u),
      };
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, tasks.length) }, worker));
  return out.filter((x): x is Record<string, unknown> => x !== null);
}
