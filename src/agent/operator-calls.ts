// The agent's side of the operator API v1 (include/mesos/v1/agent/agent.proto, Mesos src/slave/http.cpp):
// the HTTP edge (src/api/agent-operator.ts) decodes a Call once and hands it here.
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { TsmesosError } from '../domain/errors.js';
import { Resources } from '../domain/resources.js';
import { isTerminal } from '../domain/task-state.js';
import { BUILD_DATE, MESOS_COMPAT_VERSION, VERSION } from '../domain/version.js';
import type { Clock } from '../lib/clock.js';
import type { AgentContainers, AgentExecutors, AgentFrameworks, AgentOperatorCall, AgentOperatorResponse, AgentTasks, AgentCallType } from '../wire/agent-operator.js';
import type { z } from 'zod';
import type { AgentInfo, ExecutorInfo as ExecutorInfoMessage, Resource } from '../wire/mesos.js';
import type { Task } from '../wire/operator-objects.js';
import { resourceToWire } from '../wire/resource.js';
import { taskSpecToWire } from '../wire/task.js';
import type { Agent, AgentFramework, AgentTask, ContainerEnd } from './agent.js';
import { listFiles, readFileBytes } from './files-api.js';
import { agentMetrics } from './metrics.js';
import { agentsDir } from './paths.js';
import { statisticsJson } from './monitor.js';
import type { SandboxGc } from './sandbox-gc.js';
import { setVerbosity, type LogVerbosity } from '../lib/log.js';

/** Mesos caps one READ_FILE at 16 pages. */
export const READ_FILE_MAX_BYTES = 16 * 4096;

export interface AgentOperatorDeps {
  agent: Agent;
  workDir: string;
  clock: Clock;
  flags: Readonly<Record<string, string>>;
  hostname: string;
  port: number;
  gc?: SandboxGc;
  /** The agent process's logging verbosity (GET/SET_LOGGING_LEVEL, /logging/toggle). */
  verbosity: LogVerbosity;
}

const missing = (field: string): never => {
  throw new TsmesosError('BAD_REQUEST', `Expecting '${field}' to be present`);
};

const notYet = (type: string, why: string): never => {
  throw new TsmesosError('BAD_REQUEST', `${type} is not implemented yet: ${why}`);
};

type ExecutorInfo = z.output<typeof ExecutorInfoMessage>;

const resourceList = (r: Resources): Resource[] => r.toArray().map((x) => resourceToWire(x, 'endpoint'));

export function agentCallType(call: AgentOperatorCall): AgentCallType {
  const type = call.type ?? missing('type');
  if (type === 'UNKNOWN') throw new TsmesosError('BAD_REQUEST', 'call type UNKNOWN: expecting one of the agent.proto Call types');
  return type;
}

/** The calls whose answer may take long (WAIT_CONTAINER); the rest answer at once. */
export class AgentOperatorCalls {
  constructor(private readonly deps: AgentOperatorDeps) {}

  async execute(call: AgentOperatorCall): Promise<AgentOperatorResponse | null> {
    const type = agentCallType(call);
    const { agent } = this.deps;
    switch (type) {
      case 'GET_HEALTH':
        return { type, get_health: { healthy: true } };
      case 'GET_FLAGS': {
        const flags = this.deps.flags;
        return { type, get_flags: { flags: Object.keys(flags).sort().map((name) => ({ name, value: flags[name] })) } };
      }
      case 'GET_VERSION':
        return { type, get_version: { version_info: { version: MESOS_COMPAT_VERSION, ...(BUILD_DATE !== '' ? { build_date: BUILD_DATE } : {}), build_time: 0, build_user: '', git_tag: VERSION } } };
      case 'GET_METRICS': {
        const m = agentMetrics(agent, this.deps.clock, this.deps.gc?.stats());
        return { type, get_metrics: { metrics: Object.keys(m).sort().map((name) => ({ name, value: m[name]! })) } };
      }
      case 'GET_LOGGING_LEVEL':
        return { type, get_logging_level: { level: this.deps.verbosity.get() } };
      case 'SET_LOGGING_LEVEL': {
        const set = call.set_logging_level ?? missing('set_logging_level');
        setVerbosity(this.deps.verbosity, set.level, set.duration.nanoseconds / 1e6);
        return null;
      }
      case 'LIST_FILES': {
        const p = (call.list_files ?? missing('list_files')).path;
        const entries = await listFiles(p, this.roots());
        return {
          type,
          list_files: {
            file_infos: entries.map((e) => ({
              path: e.entry.path, nlink: e.entry.nlink, size: e.entry.size, mtime: { nanoseconds: Math.round(e.mtimeMs * 1e6) },
              mode: e.mode, uid: e.entry.uid, gid: e.entry.gid,
            })),
          },
        };
      }
      case 'READ_FILE': {
        const r = call.read_file ?? missing('read_file');
        if (r.offset < 0) throw new TsmesosError('BAD_REQUEST', `read_file.offset: must not be negative (uint64), got ${r.offset}`);
        if (r.length !== undefined && r.length < 0) throw new TsmesosError('BAD_REQUEST', `read_file.length: must not be negative (uint64), got ${r.length}`);
        const { size, data } = await readFileBytes(r.path, this.roots(), r.offset, r.length, READ_FILE_MAX_BYTES);
        return { type, read_file: { size, data: data.toString('base64') } };
      }
      case 'GET_STATE':
        return { type, get_state: { get_tasks: this.tasks(), get_executors: this.executors(), get_frameworks: this.frameworks() } };
      case 'GET_CONTAINERS':
        return { type, get_containers: await this.containers(call.get_containers?.show_standalone === true) };
      case 'GET_FRAMEWORKS':
        return { type, get_frameworks: this.frameworks() };
      case 'GET_EXECUTORS':
        return { type, get_executors: this.executors() };
      case 'GET_TASKS':
        return { type, get_tasks: this.tasks() };
      case 'GET_AGENT':
        return { type, get_agent: { agent_info: this.agentInfo() } };
      case 'GET_OPERATIONS':
        // Only LAUNCH is supported, and Mesos lists no operations for it.
        return { type, get_operations: { operations: [] } };
      case 'GET_RESOURCE_PROVIDERS':
        return { type, get_resource_providers: { resource_providers: [] } };
      case 'WAIT_CONTAINER':
      case 'WAIT_NESTED_CONTAINER': {
        const id = (type === 'WAIT_CONTAINER' ? call.wait_container : call.wait_nested_container) ?? missing(type.toLowerCase());
        const end = agent.waitContainer(id.container_id.value);
        if (end === undefined) throw new TsmesosError('NOT_FOUND', `Container ${id.container_id.value} cannot be found`);
        const body = terminationMessage(await end);
        return type === 'WAIT_CONTAINER' ? { type, wait_container: body } : { type, wait_nested_container: body };
      }
      case 'KILL_CONTAINER':
      case 'KILL_NESTED_CONTAINER': {
        const k = (type === 'KILL_CONTAINER' ? call.kill_container : call.kill_nested_container) ?? missing(type.toLowerCase());
        const signal = k.signal ?? osConstants.signals.SIGKILL;
        // The containerizers send SIGTERM then SIGKILL after a grace period: SIGKILL is a grace of 0, SIGTERM the task's own.
        if (signal !== osConstants.signals.SIGKILL && signal !== osConstants.signals.SIGTERM) {
          throw new TsmesosError('BAD_REQUEST', `${type.toLowerCase()}.signal: only SIGTERM (${osConstants.signals.SIGTERM}) and SIGKILL (${osConstants.signals.SIGKILL}) are supported, got ${signal}`);
        }
        const id = k.container_id.value;
        if (!agent.killContainer(id, signal === osConstants.signals.SIGKILL ? 0 : undefined)) {
          throw new TsmesosError('NOT_FOUND', `Container '${id}' cannot be found (or is already killed)`);
        }
        return null;
      }
      case 'LAUNCH_CONTAINER':
      case 'LAUNCH_NESTED_CONTAINER':
      case 'LAUNCH_NESTED_CONTAINER_SESSION':
      case 'REMOVE_CONTAINER':
      case 'REMOVE_NESTED_CONTAINER':
        return notYet(type, 'standalone and nested containers are not supported; containers run the tasks frameworks launch');
      case 'ATTACH_CONTAINER_INPUT':
      case 'ATTACH_CONTAINER_OUTPUT':
        return notYet(type, "read a task's output from its sandbox (LIST_FILES, READ_FILE or /files)");
      case 'ADD_RESOURCE_PROVIDER_CONFIG':
      case 'UPDATE_RESOURCE_PROVIDER_CONFIG':
      case 'REMOVE_RESOURCE_PROVIDER_CONFIG':
      case 'MARK_RESOURCE_PROVIDER_GONE':
        return notYet(type, 'resource providers are not supported');
      case 'PRUNE_IMAGES':
        return notYet(type, 'the docker containerizer leaves images to the Docker engine (docker image prune)');
      case 'UNKNOWN':
        return missing('type');
    }
  }

  private roots(): string[] {
    return [path.resolve(agentsDir(this.deps.workDir))];
  }

  private agentInfo(): AgentInfo {
    const { agent } = this.deps;
    return {
      hostname: this.deps.hostname, port: this.deps.port, resources: resourceList(agent.resources), attributes: [...agent.attributes],
      ...(agent.agentId !== undefined ? { id: { value: agent.agentId } } : {}),
      ...(agent.domain !== undefined ? { domain: agent.domain } : {}),
    };
  }

  private allFrameworks(): AgentFramework[] {
    const { agent } = this.deps;
    return [...[...agent.frameworks.values()].sort((a, b) => (a.id < b.id ? -1 : 1)), ...agent.completedFrameworks];
  }

  private frameworks(): AgentFrameworks {
    const { agent } = this.deps;
    return {
      frameworks: [...agent.frameworks.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((f) => ({ framework_info: { ...f.info, id: { value: f.id } } })),
      completed_frameworks: agent.completedFrameworks.map((f) => ({ framework_info: { ...f.info, id: { value: f.id } } })),
    };
  }

  /** Command executors: one per task (executor id = task id), as Mesos's agent lists them. */
  private executors(): AgentExecutors {
    const executors: { executor_info: ExecutorInfo }[] = [];
    const completed: { executor_info: ExecutorInfo }[] = [];
    for (const fw of this.allFrameworks()) {
      const live = this.deps.agent.frameworks.get(fw.id) === fw;
      for (const t of sortedTasks(fw.tasks.values())) (live ? executors : completed).push({ executor_info: executorInfo(t) });
      for (const t of fw.completed) completed.push({ executor_info: executorInfo(t) });
    }
    return { executors, completed_executors: completed };
  }

  /**
   * As Mesos's agent: `queued_tasks` wait for their executor (here: the sandbox and fetcher, before the container
   * starts), `launched_tasks` run, `terminated_tasks` ended with their last update not acknowledged yet,
   * `completed_tasks` ended and acknowledged (those of completed frameworks too).
   */
  private tasks(): AgentTasks {
    const { agent } = this.deps;
    const out: AgentTasks = { pending_tasks: [], queued_tasks: [], launched_tasks: [], terminated_tasks: [], completed_tasks: [] };
    for (const fw of this.allFrameworks()) {
      const live = agent.frameworks.get(fw.id) === fw;
      for (const t of sortedTasks(fw.tasks.values())) {
        const msg = this.taskMessage(t);
        if (isTerminal(t.state)) out.terminated_tasks.push(msg);
        else if (t.state === 'TASK_STAGING') out.queued_tasks.push(msg);
        else out.launched_tasks.push(msg);
      }
      for (const t of fw.completed) {
        const pending = live && agent.hasPendingUpdate(fw.id, t.info.taskId);
        (pending ? out.terminated_tasks : out.completed_tasks).push(this.taskMessage(t));
      }
    }
    return out;
  }

  private taskMessage(t: AgentTask): Task {
    const agentId = this.deps.agent.agentId ?? '';
    const wire = taskSpecToWire(t.info);
    return {
      name: t.info.name,
      task_id: { value: t.info.taskId },
      framework_id: { value: t.frameworkId },
      agent_id: { value: agentId },
      state: t.state,
      resources: resourceList(Resources.of(t.info.resources)),
      statuses: t.statuses.map((s) => ({
        task_id: { value: t.info.taskId }, state: s.state, source: 'SOURCE_EXECUTOR' as const, agent_id: { value: agentId },
        executor_id: { value: t.info.taskId }, timestamp: s.timestamp,
        ...(s.healthy !== undefined ? { healthy: s.healthy } : {}), ...(s.reason !== undefined ? { reason: s.reason } : {}),
        ...(s.message !== undefined ? { message: s.message } : {}),
        container_status: { container_id: { value: t.containerId } },
      })),
      ...(wire.labels !== undefined ? { labels: wire.labels } : {}),
      ...(wire.container !== undefined ? { container: wire.container } : {}),
      ...(wire.kill_policy !== undefined ? { kill_policy: wire.kill_policy } : {}),
      ...(t.info.command.user !== undefined ? { user: t.info.command.user } : {}),
    };
  }

  /** Running containers (one per task), with what the containerizer measures of each. */
  private async containers(showStandalone: boolean): Promise<AgentContainers> {
    void showStandalone; // no standalone containers exist here
    const { agent } = this.deps;
    const running: AgentTask[] = [];
    for (const fw of [...agent.frameworks.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      for (const t of sortedTasks(fw.tasks.values())) if (!isTerminal(t.state) && t.state !== 'TASK_STAGING' && agent.waitContainer(t.containerId) !== undefined) running.push(t);
    }
    const usages = await Promise.all(running.map((t) => agent.usage(t.containerId).catch(() => undefined)));
    return {
      containers: running.map((t, i) => {
        const u = usages[i];
        return {
          framework_id: { value: t.frameworkId },
          executor_id: { value: t.info.taskId },
          executor_name: executorName(t),
          container_id: { value: t.containerId },
          container_status: { container_id: { value: t.containerId }, ...(t.pid !== undefined ? { executor_pid: t.pid } : {}) },
          ...(u !== undefined ? { resource_statistics: { ...statisticsJson(u), timestamp: u.timestamp } } : {}),
        };
      }),
    };
  }
}

function sortedTasks(tasks: Iterable<AgentTask>): AgentTask[] {
  return [...tasks].sort((a, b) => (a.info.taskId < b.info.taskId ? -1 : 1));
}

function executorName(t: AgentTask): string {
  return `Command Executor (Task: ${t.info.taskId}) (Command: sh -c '${t.info.command.value.slice(0, 64)}')`;
}

function executorInfo(t: AgentTask): ExecutorInfo {
  return {
    type: 'DEFAULT', executor_id: { value: t.info.taskId }, framework_id: { value: t.frameworkId },
    command: { value: t.info.command.value, shell: true, arguments: [], uris: [] },
    resources: resourceList(Resources.of(t.info.resources)), name: executorName(t),
  };
}

/** Response.WaitContainer: the wait status as Mesos reports it (waitpid's: exit code << 8, or the signal number). */
export function terminationMessage(end: ContainerEnd): NonNullable<AgentOperatorResponse['wait_container']> {
  const t = end.termination;
  const signal = t.signal !== null ? (osConstants.signals as Record<string, number | undefined>)[t.signal] : undefined;
  const status = t.exitCode !== null ? (t.exitCode & 0xff) << 8 : signal;
  return {
    ...(status !== undefined ? { exit_status: status } : {}),
    state: end.state,
    ...(end.reason !== undefined ? { reason: end.reason } : {}),
    ...(t.limitation !== undefined ? { limitation: { resources: [] } } : {}),
    message: t.message.slice(0, 64 * 1024),
  };
}
