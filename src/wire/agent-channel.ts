// tsmesos's own master <-> agent channel (Mesos used libprocess messages). Shaped like the
// scheduler API: the agent SUBSCRIBEs and reads a RecordIO stream of AgentEvents; it sends
// UPDATE and HEARTBEAT as separate calls. Payloads reuse the v1 messages.
import type { z } from 'zod';
import { bytes, double, enumOf, message, opt, rep, req, str } from './codec.js';
import { AgentID, AgentInfo, FrameworkID, FrameworkInfo, KillPolicy, MasterInfo, TaskID, TaskInfo, TaskState, TaskStatus } from './mesos.js';

/** Route of the channel on the master. */
export const AGENT_CHANNEL_PATH = '/tsmesos/v1/agent';

export const ReportedTask = message({
  framework_id: req(FrameworkID),
  framework_info: req(FrameworkInfo),
  task: req(TaskInfo),
  state: req(TaskState),
});

export const AgentCall = message({
  type: req(enumOf(['SUBSCRIBE', 'UPDATE', 'HEARTBEAT'])),
  agent_id: opt(AgentID),
  subscribe: opt(message({
    agent_id: opt(AgentID),
    agent_info: req(AgentInfo),
    /** The agent's --attributes text; the master parses it with the Mesos attribute syntax. */
    attributes_text: opt(str(64 * 1024)),
    ip: req(str(64)),
    tasks: rep(ReportedTask, 100_000),
  })),
  update: opt(message({ framework_id: req(FrameworkID), status: req(TaskStatus), latest_state: opt(TaskState) })),
});
export type AgentCall = z.output<typeof AgentCall>;

export const AgentEvent = message({
  type: req(enumOf(['SUBSCRIBED', 'LAUNCH', 'KILL', 'ACKNOWLEDGED', 'SHUTDOWN_FRAMEWORK', 'SHUTDOWN', 'HEARTBEAT'])),
  subscribed: opt(message({ agent_id: req(AgentID), heartbeat_interval_seconds: opt(double()), master_info: opt(MasterInfo) })),
  launch: opt(message({ framework_id: req(FrameworkID), framework_info: req(FrameworkInfo), task: req(TaskInfo) })),
  /** kill_policy set: the framework's KILL override; else the task's own policy applies. */
  kill: opt(message({ framework_id: req(FrameworkID), task_id: req(TaskID), kill_policy: opt(KillPolicy) })),
  acknowledged: opt(message({ framework_id: req(FrameworkID), task_id: req(TaskID), uuid: req(bytes(64)) })),
  shutdown_framework: opt(message({ framework_id: req(FrameworkID) })),
  shutdown: opt(message({ message: opt(str(4096)) })),
});
export type AgentEvent = z.output<typeof AgentEvent>;
