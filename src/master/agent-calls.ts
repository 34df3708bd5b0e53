import { TsmesosError } from '../domain/errors.js';
import { parseAttributes } from '../domain/attributes.js';
import { isIPv4 } from '../domain/mesos.js';
import { parseResourceList } from '../domain/resources.js';
import type { AgentCall } from '../wire/agent-channel.js';
import type { AgentStream } from '../wire/streams.js';
import { taskSpecFromWire } from '../wire/task.js';
import type { AgentSubscription } from './agents.js';
import type { Master } from './master.js';
import { validateFrameworkInfo } from './framework-info.js';

// The master's side of the agent channel: the HTTP edge decodes an AgentCall once and
// hands it here.

const bad = (message: string): never => {
  throw new TsmesosError('BAD_REQUEST', message);
};
const forbidden = (agentId: string): never => {
  throw new TsmesosError('FORBIDDEN', `agent ${agentId} is not subscribed`);
};

export class AgentCalls {
  constructor(private readonly master: Master) {}

  subscribe(call: AgentCall): Promise<AgentStream> {
    return this.master.agents.subscribe(subscription(call));
  }

  heartbeat(call: AgentCall): void {
    const agentId = call.agent_id?.value ?? bad("Expecting 'agent_id' to be present");
    if (!this.master.agents.heartbeat(agentId)) forbidden(agentId);
  }

  update(call: AgentCall): void {
    const agentId = call.agent_id?.value ?? bad("Expecting 'agent_id' to be present");
    const update = call.update ?? bad("Expecting 'update' to be present");
    if (update.status.uuid === undefined) bad('update.status.uuid: required (agent updates are acknowledged)');
    const agent = this.master.ctx.state.agents.get(agentId);
    if (!agent || agent.connection === null) forbidden(agentId);
    this.master.tasks.agentUpdate(agentId, update.framework_id.value, update.status, update.latest_state ?? update.status.state);
  }
}

function subscription(call: AgentCall): AgentSubscription {
  const sub = call.subscribe ?? bad("Expecting 'subscribe' to be present");
  const info = sub.agent_info;
  if (!isIPv4(sub.ip)) bad('subscribe.ip: expected an IPv4 address');
  const port = info.port ?? 5051;
  if (port < 1 || port > 65535) bad('subscribe.agent_info.port: expected 1-65535');
  const tasks = sub.tasks.map((t, i) => ({
    frameworkId: t.framework_id.value,
    frameworkInfo: validateFrameworkInfo(t.framework_info),
    task: taskSpecFromWire(t.task, `subscribe.tasks[${i}].task`),
    state: t.state,
  }));
  return {
    ...(sub.agent_id !== undefined ? { agentId: sub.agent_id.value } : {}),
    hostname: info.hostname,
    ip: sub.ip,
    port,
    resources: parseResourceList(info.resources, 'subscribe.agent_info.resources'),
    attributes: sub.attributes_text !== undefined ? parseAttributes(sub.attributes_text) : [],
    tasks,
    ...(info.domain !== undefined ? { domain: info.domain } : {}),
  };
}
