// The agent's metrics under Mesos's names (src/slave/metrics.cpp, src/slave/gc.cpp, the fetcher's):
// what this agent really measures, nothing made up. Served by /metrics/snapshot, GET_METRICS and,
// as Prometheus gauges, /metrics.
import { Resources } from '../domain/resources.js';
import { isTerminal } from '../domain/task-state.js';
import type { Clock } from '../lib/clock.js';
import type { Agent } from './agent.js';
import type { SandboxGcStats } from './sandbox-gc.js';

const RESOURCES = ['cpus', 'mem', 'disk', 'gpus'] as const;

export function agentMetrics(agent: Agent, clock: Clock, gc?: SandboxGcStats): Record<string, number> {
  const c = agent.counters;
  const m: Record<string, number> = {
    'slave/uptime_secs': (clock.now() - agent.startTime) / 1000,
    'slave/registered': agent.connected && agent.agentId !== undefined ? 1 : 0,
    'slave/recovery_errors': c.recoveryErrors,
    'slave/frameworks_active': agent.frameworks.size,
    'slave/tasks_staging': 0,
    'slave/tasks_starting': 0,
    'slave/tasks_running': 0,
    'slave/tasks_killing': 0,
    'slave/tasks_finished': c.tasksFinished,
    'slave/tasks_failed': c.tasksFailed,
    'slave/tasks_killed': c.tasksKilled,
    'slave/tasks_lost': c.tasksLost,
    'slave/tasks_gone': c.tasksGone,
    // Command executors: one per task, registering while the container starts, running until it ends.
    'slave/executors_registering': 0,
    'slave/executors_running': 0,
    'slave/executors_terminating': 0,
    'slave/executors_terminated': c.executorsTerminated,
    'slave/executors_preempted': 0,
    'slave/valid_status_updates': c.validStatusUpdates,
    'slave/invalid_status_updates': 0,
    'slave/container_launch_errors': c.containerLaunchErrors,
    'containerizer/fetcher/task_fetches_succeeded': c.fetchesSucceeded,
    'containerizer/fetcher/task_fetches_failed': c.fetchesFailed,
  };
  if (agent.recoveryTimeSecs !== undefined) m['slave/recovery_time_secs'] = agent.recoveryTimeSecs;
  let used = Resources.empty();
  for (const fw of agent.frameworks.values()) {
    for (const t of fw.tasks.values()) {
      if (isTerminal(t.state)) continue;
      const key = `slave/tasks_${t.state.slice(5).toLowerCase()}`;
      if (key in m) m[key]! += 1;
      if (t.state === 'TASK_STAGING' || t.state === 'TASK_STARTING') m['slave/executors_registering']! += 1;
      else if (t.state === 'TASK_KILLING') m['slave/executors_terminating']! += 1;
      else m['slave/executors_running']! += 1;
      used = used.add(Resources.of(t.info.resources));
    }
  }
  const total = agent.resources;
  for (const r of RESOURCES) {
    const t = total.scalar(r);
    const u = used.scalar(r);
    m[`slave/${r}_total`] = t;
    m[`slave/${r}_used`] = u;
    m[`slave/${r}_percent`] = t > 0 ? u / t : 0;
  }
  if (gc) {
    m['gc/path_removals_succeeded'] = gc.removalsSucceeded;
    m['gc/path_removals_failed'] = gc.removalsFailed;
    m['gc/path_removals_pending'] = gc.pending;
    m['slave/executor_directory_max_allowed_age_secs'] = gc.maxAllowedAgeMs / 1000;
  }
  return m;
}
