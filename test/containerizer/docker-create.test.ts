// The LaunchSpec -> create-container mapping (pure logic, no engine).
import { describe, expect, it } from 'vitest';
import { createOptions, dockerCommand, dockerEnvironment } from '../../src/containerizer/docker-create.js';
import type { LaunchSpec } from '../../src/containerizer/types.js';
import { dockerContainer } from './docker-helpers.js';

const spec = (extra: Partial<LaunchSpec> = {}): LaunchSpec => ({
  containerId: 'c1', sandboxDir: '/var/sbx', command: { shell: true, value: 'echo hi', arguments: [], environment: {} },
  env: { MESOS_SANDBOX: '/var/sbx', MESOS_TASK_ID: 't1' }, container: dockerContainer(), ...extra,
});

describe('docker create options', () => {
  it('shell=true: /bin/sh is the entrypoint and runs -c value (Mesos overrides the image entrypoint)', () => {
    expect(dockerCommand(spec())).toEqual({ Entrypoint: ['/bin/sh'], Cmd: ['-c', 'echo hi'] });
  });

  it("shell=false: the image's entrypoint stays; value and then every argument are the command", () => {
    expect(dockerCommand(spec({ command: { shell: false, value: '/bin/echo', arguments: ['a', 'b c'], environment: {} } }))).toEqual({ Cmd: ['/bin/echo', 'a', 'b c'] });
    expect(dockerCommand(spec({ command: { shell: false, value: '', arguments: ['--port', '80'], environment: {} } }))).toEqual({ Cmd: ['--port', '80'] });
    expect(dockerCommand(spec({ command: { shell: false, value: '', arguments: [], environment: {} } }))).toEqual({});
  });

  it('MESOS_SANDBOX points inside the container; the task environment wins', () => {
    const env = dockerEnvironment(spec({ command: { shell: true, value: 'x', arguments: [], environment: { MESOS_TASK_ID: 'mine', A: '1' } } }));
    expect(env).toEqual(['MESOS_SANDBOX=/mnt/mesos/sandbox', 'MESOS_TASK_ID=mine', 'MESOS_CONTAINER_NAME=mesos-c1', 'A=1']);
  });

  it('names the container mesos-<id>, mounts the sandbox and volumes, labels it, and limits CPU and memory', () => {
    const o = createOptions(spec({
      resources: { cpus: 0.5, memMb: 64 }, user: 'nobody', owner: { agentId: 'S1', frameworkId: 'F1', taskId: 't1' },
      container: dockerContainer({ network: 'HOST' }, { volumes: [{ containerPath: '/data', hostPath: '/srv', mode: 'RO' }], hostname: 'ignored-on-host-network' }),
    }), 'agent-a');
    expect(o).toMatchObject({ name: 'mesos-c1', Image: 'tsmesos/busybox:test', WorkingDir: '/mnt/mesos/sandbox', User: 'nobody' });
    expect(o.Hostname).toBeUndefined();
    expect(o.Labels).toEqual({
      'tsmesos.agent': 'agent-a', 'tsmesos.container_id': 'c1', 'tsmesos.sandbox': '/var/sbx', 'tsmesos.mem_mb': '64',
      'tsmesos.agent_id': 'S1', 'tsmesos.framework_id': 'F1', 'tsmesos.task_id': 't1',
    });
    expect(o.HostConfig).toMatchObject({
      Binds: ['/var/sbx:/mnt/mesos/sandbox:rw', '/srv:/data:ro'], NetworkMode: 'host', Init: true,
      CpuShares: 512, CpuPeriod: 100_000, CpuQuota: 50_000, Memory: 64 * 1024 * 1024, MemorySwap: 64 * 1024 * 1024,
    });
  });

  it('BRIDGE publishes the port mappings', () => {
    const o = createOptions(spec({ container: dockerContainer({ network: 'BRIDGE', portMappings: [{ hostPort: 31000, containerPort: 80, protocol: 'tcp' }] }, { hostname: 'web' }) }), 'a');
    expect(o.ExposedPorts).toEqual({ '80/tcp': {} });
    expect(o.HostConfig?.PortBindings).toEqual({ '80/tcp': [{ HostPort: '31000' }] });
    expect(o.Hostname).toBe('web');
  });

  it('maps supported docker parameters and refuses others by name', () => {
    const o = createOptions(spec({ container: dockerContainer({ parameters: [
      { key: 'label', value: 'team=web' }, { key: 'env', value: 'X=1' }, { key: 'memory-swap', value: '-1' }, { key: 'cap-add', value: 'NET_ADMIN' },
      { key: 'pids-limit', value: '64' }, { key: 'shm-size', value: '64m' }, { key: 'ulimit', value: 'nofile=1024:2048' }, { key: '--read-only', value: 'true' },
    ] }) }), 'a');
    expect(o.Labels?.['team']).toBe('web');
    expect(o.Env).toContain('X=1');
    expect(o.HostConfig).toMatchObject({ MemorySwap: -1, CapAdd: ['NET_ADMIN'], PidsLimit: 64, ShmSize: 64 * 1024 * 1024, ReadonlyRootfs: true, Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }] });
    expect(() => createOptions(spec({ container: dockerContainer({ parameters: [{ key: 'volumes-from', value: 'x' }] }) }), 'a')).toThrow(/docker parameter '--volumes-from' is not supported/);
  });

  it('refuses a spec that is not a DOCKER container', () => {
    expect(() => createOptions(spec({ container: { type: 'MESOS', volumes: [] } }), 'a')).toThrow(/not a DOCKER container/);
  });
});
