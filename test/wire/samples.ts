// Canonical v1 JSON samples, one or more per message tsmesos reads or writes, written from
// the upstream .proto files (apache/mesos include/mesos/v1/**.proto) and, for calls, from the
// examples of apache/mesos docs/scheduler-http-api.md. Canonical means: no nulls, no empty
// repeated fields or sub-messages, enums as names.
import type { z } from 'zod';
import * as m from '../../src/wire/mesos.js';
import { Call, Event } from '../../src/wire/scheduler.js';
import { AgentCall, AgentEvent } from '../../src/wire/agent-channel.js';

const cpus = { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '*' };
const mem = { name: 'mem', type: 'SCALAR', scalar: { value: 128 }, role: '*', allocation_info: { role: 'engineering' } };
const ports = { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31010 }, { begin: 31020, end: 31020 }] } };
const disks = { name: 'disks', type: 'SET', set: { item: ['sda', 'sdb'] }, revocable: {} };
const reserved = {
  name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 },
  reservations: [{ type: 'DYNAMIC', role: 'web', principal: 'ops', labels: { labels: [{ key: 'k', value: 'v' }] } }],
  disk: { persistence: { id: 'vol-1' }, volume: { mode: 'RW', container_path: 'data' } }, shared: {},
};
const attributes = [
  { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
  { name: 'level', type: 'SCALAR', scalar: { value: 10 } },
  { name: 'keys', type: 'RANGES', ranges: { range: [{ begin: 1000, end: 1500 }] } },
  { name: 'zones', type: 'SET', set: { item: ['a', 'b'] } },
];
const frameworkInfo = {
  user: 'foo', name: 'Example HTTP Framework', id: { value: '12220-3440-12532-2345' }, failover_timeout: 604800, checkpoint: true,
  roles: ['test1', 'test2'], hostname: 'fw.example', principal: 'p', webui_url: 'http://fw.example/',
  capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }], labels: { labels: [{ key: 'team', value: 'a' }, { key: 'flag' }] },
};
const commandTask = {
  name: 'My Task', task_id: { value: '12220-3440-12532-my-task' }, agent_id: { value: '12220-3440-12532-S1233' },
  resources: [cpus, mem],
  command: {
    uris: [{ value: 'http://x/y.tgz', executable: false, extract: true, cache: false, output_file: 'y.tgz' }],
    environment: { variables: [{ name: 'variables', value: 'not a list' }, { name: 'EMPTY', type: 'VALUE', value: '' }] },
    shell: false, value: '/bin/echo', arguments: ['echo', 'hi'], user: 'nobody',
  },
  container: { type: 'DOCKER', volumes: [{ mode: 'RO', container_path: '/etc/x', host_path: '/etc/x' }], docker: { image: 'busybox', network: 'HOST', port_mappings: [{ host_port: 31000, container_port: 80, protocol: 'tcp' }], privileged: false, parameters: [{ key: 'memory-swap', value: '-1' }], force_pull_image: false } },
  kill_policy: { grace_period: { nanoseconds: 30_000_000_000 } },
  data: 'aGVsbG8=', labels: { labels: [{ key: 'a', value: 'b' }] },
  max_completion_time: { nanoseconds: 1_000_000 },
};
const executorTask = {
  name: 'With Executor', task_id: { value: 't2' }, agent_id: { value: 'S1' },
  executor: { type: 'CUSTOM', executor_id: { value: 'e1' }, framework_id: { value: 'f1' }, command: { shell: true, value: 'sleep 1000' }, resources: [cpus], name: 'exec', shutdown_grace_period: { nanoseconds: 5_000_000_000 } },
};
const status = {
  task_id: { value: 't1' }, state: 'TASK_RUNNING', message: 'ok', source: 'SOURCE_EXECUTOR', reason: 'REASON_RECONCILIATION',
  data: 'AAE=', agent_id: { value: 'S1' }, executor_id: { value: 't1' }, timestamp: 1_700_000_000.25, uuid: 'AAECAwQFBgcICQoLDA0ODw==',
  healthy: true, labels: { labels: [{ key: 'x', value: 'y' }] }, container_status: { container_id: { value: 'c1' }, executor_pid: 42 },
  // Nanoseconds since the epoch exceed 2^53: Mesos prints them as JSON numbers.
  unreachable_time: { nanoseconds: 1_796_160_814_162_000_000 },
};
const masterInfo = {
  id: 'c1a8b2d0-df81-43fb-b475-d286b1c31584', ip: 16777343, port: 5050, pid: 'master@127.0.0.1:5050', hostname: 'localhost',
  version: '1.11.0', address: { hostname: 'localhost', ip: '127.0.0.1', port: 5050 }, capabilities: [{ type: 'AGENT_UPDATE' }, { type: 'QUOTA_V2' }],
};
const offer = {
  id: { value: '12214-23523-O235235' }, framework_id: { value: '12124-235325-32425' }, agent_id: { value: '12325-23523-S23523' },
  hostname: 'agent.host', url: { scheme: 'http', address: { hostname: 'agent.host', ip: '198.51.100.1', port: 5051 }, path: '/slave(1)' },
  resources: [cpus, mem, ports, disks, reserved], attributes, executor_ids: [{ value: 'e1' }], allocation_info: { role: 'engineering' },
};
const agentInfo = { hostname: 'agent.host', port: 5051, resources: [cpus, ports], attributes, id: { value: 'S1' } };

export interface Sample { name: string; schema: z.ZodType; json: Record<string, unknown> }
const s = (name: string, schema: z.ZodType, json: Record<string, unknown>): Sample => ({ name, schema, json });
const fw = { framework_id: { value: '12220-3440-12532-2345' } };

export const SAMPLES: Sample[] = [
  s('Resource scalar', m.Resource, cpus), s('Resource ranges', m.Resource, ports), s('Resource set, revocable', m.Resource, disks),
  s('Resource reserved, persistent, shared', m.Resource, reserved),
  ...attributes.map((a) => s(`Attribute ${a.type}`, m.Attribute, a)),
  s('FrameworkInfo', m.FrameworkInfo, frameworkInfo),
  s('FrameworkInfo (role)', m.FrameworkInfo, { user: 'u', name: 'n', role: '*' }),
  s('TaskInfo (command, docker)', m.TaskInfo, commandTask), s('TaskInfo (executor)', m.TaskInfo, executorTask),
  s('TaskStatus', m.TaskStatus, status), s('MasterInfo', m.MasterInfo, masterInfo), s('AgentInfo', m.AgentInfo, agentInfo),
  s('Offer', m.Offer, offer), s('Filters', m.Filters, { refuse_seconds: 5.5 }),
  s('Offer.Operation LAUNCH_GROUP', m.OfferOperation, { type: 'LAUNCH_GROUP', id: { value: 'op1' }, launch_group: { executor: executorTask.executor, task_group: { tasks: [executorTask] } } }),
  s('Offer.Operation RESERVE', m.OfferOperation, { type: 'RESERVE', reserve: { source: [cpus], resources: [reserved] } }),
  s('Offer.Operation CREATE', m.OfferOperation, { type: 'CREATE', create: { volumes: [reserved] } }),
  // Calls (scheduler.proto Call)
  s('Call SUBSCRIBE', Call, { type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo, suppressed_roles: ['test2'] } }),
  s('Call TEARDOWN', Call, { ...fw, type: 'TEARDOWN' }),
  s('Call ACCEPT', Call, { ...fw, type: 'ACCEPT', accept: { offer_ids: [{ value: '12220-3440-12532-O12' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask, executorTask] } }], filters: { refuse_seconds: 5 } } }),
  s('Call DECLINE', Call, { ...fw, type: 'DECLINE', decline: { offer_ids: [{ value: 'O12' }, { value: 'O13' }], filters: { refuse_seconds: 5 } } }),
  s('Call ACCEPT_INVERSE_OFFERS', Call, { ...fw, type: 'ACCEPT_INVERSE_OFFERS', accept_inverse_offers: { inverse_offer_ids: [{ value: 'I1' }] } }),
  s('Call DECLINE_INVERSE_OFFERS', Call, { ...fw, type: 'DECLINE_INVERSE_OFFERS', decline_inverse_offers: { inverse_offer_ids: [{ value: 'I1' }], filters: { refuse_seconds: 1 } } }),
  s('Call REVIVE', Call, { ...fw, type: 'REVIVE', revive: { roles: ['test1'] } }),
  s('Call SUPPRESS', Call, { ...fw, type: 'SUPPRESS', suppress: { roles: ['test1'] } }),
  s('Call KILL', Call, { ...fw, type: 'KILL', kill: { task_id: { value: 'my-task' }, agent_id: { value: 'S1233' }, kill_policy: { grace_period: { nanoseconds: 2_592_000_000_000_000 } } } }),
  s('Call SHUTDOWN', Call, { ...fw, type: 'SHUTDOWN', shutdown: { executor_id: { value: 'my-executor' }, agent_id: { value: 'S1233' } } }),
  s('Call ACKNOWLEDGE', Call, { ...fw, type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: 'S1233' }, task_id: { value: 'my-task' }, uuid: 'jhadf73jhakdlfha723adf==' } }),
  s('Call ACKNOWLEDGE_OPERATION_STATUS', Call, { ...fw, type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: { agent_id: { value: 'S1233' }, resource_provider_id: { value: 'rp' }, uuid: 'jhadf73jhakdlfha723adf', operation_id: { value: 'op' } } }),
  s('Call RECONCILE', Call, { ...fw, type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: '312325' }, agent_id: { value: '123535' } }] } }),
  s('Call RECONCILE_OPERATIONS', Call, { ...fw, type: 'RECONCILE_OPERATIONS', reconcile_operations: { operations: [{ operation_id: { value: '312325' }, agent_id: { value: '123535' }, resource_provider_id: { value: '927695' } }] } }),
  s('Call MESSAGE', Call, { ...fw, type: 'MESSAGE', message: { agent_id: { value: 'S1233' }, executor_id: { value: 'my-framework-executor' }, data: 'adaf838jahd748jnaldf' } }),
  s('Call UPDATE_FRAMEWORK', Call, { ...fw, type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: frameworkInfo, suppressed_roles: ['test1'] } }),
  // Events (scheduler.proto Event)
  s('Event SUBSCRIBED', Event, { type: 'SUBSCRIBED', subscribed: { framework_id: { value: 'f1' }, heartbeat_interval_seconds: 15, master_info: masterInfo } }),
  s('Event OFFERS', Event, { type: 'OFFERS', offers: { offers: [offer, { ...offer, id: { value: 'O2' } }] } }),
  s('Event RESCIND', Event, { type: 'RESCIND', rescind: { offer_id: { value: 'O1' } } }),
  s('Event RESCIND_INVERSE_OFFER', Event, { type: 'RESCIND_INVERSE_OFFER', rescind_inverse_offer: { inverse_offer_id: { value: 'I1' } } }),
  s('Event UPDATE', Event, { type: 'UPDATE', update: { status } }),
  s('Event MESSAGE', Event, { type: 'MESSAGE', message: { agent_id: { value: 'S1' }, executor_id: { value: 'e1' }, data: 'adfadf3t2wa3353dfadf' } }),
  s('Event FAILURE', Event, { type: 'FAILURE', failure: { agent_id: { value: 'S1' }, executor_id: { value: 'e1' }, status: 1 } }),
  s('Event ERROR', Event, { type: 'ERROR', error: { message: 'Framework is not authorized' } }),
  s('Event HEARTBEAT', Event, { type: 'HEARTBEAT' }),
  // tsmesos's agent channel
  s('AgentCall SUBSCRIBE', AgentCall, { type: 'SUBSCRIBE', subscribe: { agent_id: { value: 'S1' }, agent_info: agentInfo, attributes_text: 'rack:r1', ip: '127.0.0.1', tasks: [{ framework_id: { value: 'f1' }, framework_info: frameworkInfo, task: commandTask, state: 'TASK_RUNNING' }] } }),
  s('AgentCall UPDATE', AgentCall, { type: 'UPDATE', agent_id: { value: 'S1' }, update: { framework_id: { value: 'f1' }, status, latest_state: 'TASK_FINISHED' } }),
  s('AgentCall HEARTBEAT', AgentCall, { type: 'HEARTBEAT', agent_id: { value: 'S1' } }),
  s('AgentEvent SUBSCRIBED', AgentEvent, { type: 'SUBSCRIBED', subscribed: { agent_id: { value: 'S1' }, heartbeat_interval_seconds: 5, master_info: masterInfo } }),
  s('AgentEvent LAUNCH', AgentEvent, { type: 'LAUNCH', launch: { framework_id: { value: 'f1' }, framework_info: frameworkInfo, task: commandTask } }),
  s('AgentEvent KILL', AgentEvent, { type: 'KILL', kill: { framework_id: { value: 'f1' }, task_id: { value: 't1' }, kill_policy: { grace_period: { nanoseconds: 1 } } } }),
  s('AgentEvent ACKNOWLEDGED', AgentEvent, { type: 'ACKNOWLEDGED', acknowledged: { framework_id: { value: 'f1' }, task_id: { value: 't1' }, uuid: 'AAECAwQFBgcICQoLDA0ODw==' } }),
  s('AgentEvent SHUTDOWN_FRAMEWORK', AgentEvent, { type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: { value: 'f1' } } }),
  s('AgentEvent SHUTDOWN', AgentEvent, { type: 'SHUTDOWN', shutdown: { message: 'bye' } }),
  s('AgentEvent HEARTBEAT', AgentEvent, { type: 'HEARTBEAT' }),
];

/** Building blocks for the operator API's samples (operator-samples.ts). */
export const PARTS = { cpus, mem, ports, attributes, frameworkInfo, commandTask, executorTask, status, masterInfo, offer, agentInfo };
