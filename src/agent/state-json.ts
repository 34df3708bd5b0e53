import { hasCapability } from '../wire/mesos.js';
import { attributesToLegacyJson } from '../domain/attributes.js';
import { BUILD_DATE, MESOS_COMPAT_VERSION, VERSION } from '../domain/version.js';
import { Resources } from '../domain/resources.js';
import { isTerminal } from '../domain/task-state.js';
import type { Agent, AgentFramework, AgentTask } from './agent.js';
import { sandboxDir } from './paths.js';

// The agent's legacy `/state` JSON (Mesos shape), enough for a client to find a task's sandbox.

function taskJson(agent: Agent, t: AgentTask): Record<string, unknown> {
  return {
    id: t.info.taskId, name: t.info.name, framework_id: t.frameworkId, executor_id: t.info.taskId, slave_id: agent.agentId ?? '',
    state: t.state, resources: Resources.of(t.info.resources).toLegacyJson(),
    statuses: t.statuses.map((x) => ({ state: x.state, timestamp: x.timestamp, ...(x.healthy !== undefined ? { healthy: x.healthy } : {}) })),
  };
}

function executorJson(agent: Agent, workDir: string, t: AgentTask): Record<string, unknown> {
  const id = t.info.taskId;
  const directory = t.sandbox ?? sandboxDir(workDir, { agentId: agent.agentId ?? '', frameworkId: t.frameworkId, executorId: id, containerId: t.containerId });
  const terminal = isTerminal(t.state);
  return {
    id, name: `Command Executor (Task: ${id}) (Command: sh -c '${t.info.command.value.slice(0, 64)}')`, source: id,
    container: t.containerId, directory, resources: Resources.of(t.info.resources).toLegacyJson(),
    tasks: terminal ? [] : [taskJson(agent, t)], queued_tasks: [], completed_tasks: terminal ? [taskJson(agent, t)] : [],
  };
}

function frameworkJson(agent: Agent, workDir: string, fw: AgentFramework): Record<string, unknown> {
  const info = fw.info;
  return {
    id: fw.id, name: info.name, user: info.user, checkpoint: info.checkpoint ?? false,
    ...(hasCapability(info, 'MULTI_ROLE') ? { roles: info.roles } : { role: info.role ?? '*' }),
    hostname: info.hostname ?? '',
    executors: [...fw.tasks.values()].map((t) => executorJson(agent, workDir, t)),
    completed_executors: fw.completed.map((t) => executorJson(agent, workDir, t)),
  };
}

export function agentState(agent: Agent, workDir: string, self: { ip: string; port: number; hostname: string; flags: Record<string, string> }): Record<string, unknown> {
  return {
    version: MESOS_COMPAT_VERSION, tsmesos_version: VERSION, build_date: BUILD_DATE, start_time: agent.startTime / 1000,
    id: agent.agentId ?? '', pid: `slave(1)@${self.ip}:${self.port}`, hostname: self.hostname,
    resources: agent.resources.toLegacyJson(), reserved_resources: {}, unreserved_resources: agent.resources.toLegacyJson(),
    attributes: attributesToLegacyJson(agent.attributes), master_hostname: agent.masterAddress?.split(':')[0] ?? '',
    flags: self.flags,
    frameworks: [...agent.frameworks.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((f) => frameworkJson(agent, workDir, f)),
    completed_frameworks: agent.completedFrameworks.map((f) => frameworkJson(agent, workDir, f)),
  };
}
