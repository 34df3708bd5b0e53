// v1 TaskInfo <-> TaskSpec: what the master validates and what the agent channel carries both ways.
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../src/wire/codec.js';
import * as m from '../../src/wire/mesos.js';
import { AgentEvent } from '../../src/wire/agent-channel.js';
import { taskSpecFromWire, taskSpecToWire } from '../../src/wire/task.js';

const base = {
  name: 'web', task_id: { value: 't1' }, agent_id: { value: 'S1' },
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }],
};
const dockerTask = {
  ...base,
  command: { shell: true, value: 'echo hi', user: 'nobody', environment: { variables: [{ name: 'A', value: '1' }] } },
  container: {
    type: 'DOCKER', hostname: 'box',
    volumes: [{ mode: 'RO', container_path: '/data', host_path: '/srv/data' }, { container_path: '/rw', host_path: '/srv/rw' }],
    docker: { image: 'tsmesos/busybox:test', network: 'NONE', privileged: false, parameters: [{ key: 'label', value: 'a=b' }], force_pull_image: true },
  },
};

const fromWire = (json: unknown) => taskSpecFromWire(decode(m.TaskInfo, json, 'task'), 'task');

describe('TaskInfo <-> TaskSpec', () => {
  it('accepts a DOCKER task and keeps its container through any number of hops', () => {
    const spec = fromWire(dockerTask);
    expect(spec.container).toEqual({
      type: 'DOCKER', hostname: 'box',
      volumes: [{ containerPath: '/data', hostPath: '/srv/data', mode: 'RO' }, { containerPath: '/rw', hostPath: '/srv/rw', mode: 'RW' }],
      docker: { image: 'tsmesos/busybox:test', network: 'NONE', portMappings: [], privileged: false, parameters: [{ key: 'label', value: 'a=b' }], forcePullImage: true },
    });
    expect(spec.command.user).toBe('nobody');
    // Master -> agent LAUNCH (JSON text on the wire) -> agent reregistration -> a new master.
    const event = JSON.parse(JSON.stringify(encode(AgentEvent, { type: 'LAUNCH', launch: { framework_id: { value: 'f' }, framework_info: { name: 'fw', roles: [], capabilities: [] }, task: taskSpecToWire(spec) } }))) as unknown;
    const carried = decode(AgentEvent, event, 'event').launch!.task;
    const again = taskSpecFromWire(carried, 'task');
    expect(again).toEqual(spec);
    expect(taskSpecFromWire(decode(m.TaskInfo, encode(m.TaskInfo, taskSpecToWire(again)), 'x'), 'x')).toEqual(spec);
  });

  it('applies the Mesos defaults: network HOST, RW volumes, no force pull', () => {
    const spec = fromWire({ ...base, command: { value: 'true' }, container: { type: 'DOCKER', docker: { image: 'busybox' } } });
    expect(spec.container?.docker).toMatchObject({ network: 'HOST', forcePullImage: false, privileged: false, parameters: [], portMappings: [] });
  });

  it('a docker task with shell false may leave the value unset (the image runs its own command)', () => {
    const spec = fromWire({ ...base, command: { shell: false, arguments: ['--port', '80'] }, container: { type: 'DOCKER', docker: { image: 'busybox' } } });
    expect(spec.command).toMatchObject({ shell: false, value: '', arguments: ['--port', '80'] });
    expect(fromWire(encode(m.TaskInfo, taskSpecToWire(spec)))).toEqual(spec);
    expect(() => fromWire({ ...base, command: { shell: false, arguments: ['x'] } })).toThrow(/the executable to run is required/);
  });

  it('BRIDGE port mappings round-trip (the engine decides whether it has a bridge)', () => {
    const spec = fromWire({ ...base, command: { value: 'true' }, container: { type: 'DOCKER', docker: { image: 'busybox', network: 'BRIDGE', port_mappings: [{ host_port: 31000, container_port: 80 }] } } });
    expect(spec.container?.docker?.portMappings).toEqual([{ hostPort: 31000, containerPort: 80, protocol: 'tcp' }]);
    expect(fromWire(encode(m.TaskInfo, taskSpecToWire(spec)))).toEqual(spec);
  });

  it('a MESOS container without volumes is a plain command task', () => {
    const spec = fromWire({ ...base, command: { value: 'true' }, container: { type: 'MESOS' } });
    expect(spec.container).toEqual({ type: 'MESOS', volumes: [] });
    expect(fromWire(encode(m.TaskInfo, taskSpecToWire(spec)))).toEqual(spec);
  });

  it('refuses what Mesos refuses, and what is not supported here, by field', () => {
    const docker = (d: object, extra: object = {}) => ({ ...base, command: { value: 'true' }, container: { type: 'DOCKER', docker: { image: 'busybox', ...d }, ...extra } });
    expect(() => fromWire({ ...base, command: { value: 'true' }, container: { type: 'DOCKER' } })).toThrow(/task\.container\.docker: DockerInfo 'docker' is not set/);
    expect(() => fromWire(docker({ image: ' ' }))).toThrow(/docker\.image: must not be empty/);
    expect(() => fromWire(docker({ network: 'HOST', port_mappings: [{ host_port: 1, container_port: 2 }] }))).toThrow(/port_mappings: port mappings are only supported for bridge/);
    expect(() => fromWire(docker({ network: 'USER' }))).toThrow(/USER networks are not supported yet/);
    expect(() => fromWire(docker({}, { volumes: [{ container_path: '/x' }] }))).toThrow(/volumes\[0\]\.host_path: only host-path volumes/);
    expect(() => fromWire(docker({}, { volumes: [{ container_path: 'x', host_path: '/x' }] }))).toThrow(/volumes\[0\]\.container_path: must be an absolute path/);
    expect(() => fromWire({ ...base, command: { value: 'true' }, container: { type: 'MESOS', volumes: [{ container_path: '/x', host_path: '/x' }] } })).toThrow(/volumes need a DOCKER container/);
    expect(() => fromWire(docker({}))).not.toThrow();
    expect(() => fromWire({ ...base, command: { value: 'true', uris: [{ value: 's3://x/y' }] } })).toThrow(/uris\[0\]\.value: scheme 's3' is not supported/);
  });
});
