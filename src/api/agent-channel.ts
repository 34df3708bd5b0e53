import { Hono } from 'hono';
import { TsmesosError } from '../domain/errors.js';
import { parseResourceList } from '../domain/resources.js';
import { parseAttributes, type Attribute } from '../domain/attributes.js';
import { isTaskState } from '../domain/task-state.js';
import { AGENT_CHANNEL_PATH, isIPv4, type TaskStatus } from '../domain/mesos.js';
import type { Leadership } from '../master/leadership.js';
import { parseFrameworkInfo } from '../master/framework-info.js';
import { parseTaskInfo } from '../master/task-info.js';
import type { AgentSubscription } from '../master/agents.js';
import { checkV1Headers, readJsonBody } from './http-errors.js';
import { confirmedLeaderOrRedirect } from './leader-gate.js';
import { idValue, num, obj, oneOf, optArr, optIdValue, optStr, str } from './validate.js';

const MAX_BODY = 16 * 1024 * 1024;

/**
 * Agents SUBSCRIBE here and get a RecordIO stream of commands (LAUNCH, KILL,
 * ACKNOWLEDGED, ...); they send status UPDATEs as separate calls. The same path
 * serves a co-located agent (`--role all`) and a remote one.
 */
export function agentChannelApp(leadership: Leadership): Hono {
  const app = new Hono();
  app.all(AGENT_CHANNEL_PATH, async (c) => {
    if (c.req.method !== 'POST') throw new TsmesosError('METHOD_NOT_ALLOWED', 'the agent channel accepts POST only');
    checkV1Headers(c);
    const call = obj(await readJsonBody(c, MAX_BODY), 'call');
    const type = oneOf(call['type'], 'type', ['SUBSCRIBE', 'UPDATE', 'HEARTBEAT'] as const);
    const gated = await confirmedLeaderOrRedirect(c, leadership);
    if (gated instanceof Response) return gated;
    if (type === 'SUBSCRIBE') {
      const stream = await gated.agents.subscribe(parseSubscription(obj(call['subscribe'], 'subscribe')));
      return new Response(stream.body, { status: 200, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' } });
    }
    const agentId = idValue(call['agent_id'], 'agent_id');
    if (type === 'HEARTBEAT') {
      if (!gated.agents.heartbeat(agentId)) throw new TsmesosError('FORBIDDEN', `agent ${agentId} is not subscribed`);
      return c.body(null, 202);
    }
    const update = obj(call['update'], 'update');
    const frameworkId = idValue(update['framework_id'], 'update.framework_id');
    const status = parseStatus(obj(update['status'], 'update.status'));
    const latest = update['latest_state'] ?? status.state;
    if (!isTaskState(latest)) throw new TsmesosError('BAD_REQUEST', 'update.latest_state: not a task state');
    const agent = gated.ctx.state.agents.get(agentId);
    if (!agent || agent.connection === null) throw new TsmesosError('FORBIDDEN', `agent ${agentId} is not subscribed`);
    gated.tasks.agentUpdate(agentId, frameworkId, status, latest);
    return c.body(null, 202);
  });
  return app;
}

function parseSubscription(sub: Record<string, unknown>): AgentSubscription {
  const info = obj(sub['agent_info'], 'subscribe.agent_info');
  const hostname = str(info['hostname'], 'subscribe.agent_info.hostname', 255);
  const ip = str(sub['ip'], 'subscribe.ip', 64);
  if (!isIPv4(ip)) throw new TsmesosError('BAD_REQUEST', 'subscribe.ip: expected an IPv4 address');
  const port = num(info['port'], 'subscribe.agent_info.port');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TsmesosError('BAD_REQUEST', 'subscribe.agent_info.port: expected 1-65535');
  const resources = parseResourceList(info['resources'], 'subscribe.agent_info.resources');
  const attrText = optStr(sub['attributes_text'], 'subscribe.attributes_text', 64 * 1024);
  const attributes: Attribute[] = attrText !== undefined ? parseAttributes(attrText) : [];
  const agentId = optIdValue(sub['agent_id'], 'subscribe.agent_id');
  const tasks = optArr(sub['tasks'], 'subscribe.tasks', 100_000).map((t, i) => {
    const o = obj(t, `subscribe.tasks[${i}]`);
    const state = o['state'];
    if (!isTaskState(state)) throw new TsmesosError('BAD_REQUEST', `subscribe.tasks[${i}].state: not a task state`);
    return {
      frameworkId: idValue(o['framework_id'], `subscribe.tasks[${i}].framework_id`),
      frameworkInfo: parseFrameworkInfo(o['framework_info']),
      task: parseTaskInfo(o['task'], `subscribe.tasks[${i}].task`),
      state,
    };
  });
  return { ...(agentId !== undefined ? { agentId } : {}), hostname, ip, port, resources, attributes, tasks };
}

function parseStatus(s: Record<string, unknown>): TaskStatus {
  const state = s['state'];
  if (!isTaskState(state)) throw new TsmesosError('BAD_REQUEST', 'update.status.state: not a task state');
  const uuid = str(s['uuid'], 'update.status.uuid', 64);
  const message = optStr(s['message'], 'update.status.message', 64 * 1024);
  const reason = optStr(s['reason'], 'update.status.reason', 128);
  const agentId = optIdValue(s['agent_id'], 'update.status.agent_id');
  const executorId = optIdValue(s['executor_id'], 'update.status.executor_id');
  return {
    task_id: { value: idValue(s['task_id'], 'update.status.task_id') },
    state,
    source: oneOf(s['source'] ?? 'SOURCE_EXECUTOR', 'update.status.source', ['SOURCE_MASTER', 'SOURCE_AGENT', 'SOURCE_EXECUTOR'] as const),
    timestamp: num(s['timestamp'], 'update.status.timestamp'),
    uuid,
    ...(message !== undefined ? { message } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...(agentId !== undefined ? { agent_id: { value: agentId } } : {}),
    ...(executorId !== undefined ? { executor_id: { value: executorId } } : {}),
  };
}
