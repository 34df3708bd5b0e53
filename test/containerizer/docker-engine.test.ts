// What only the docker containerizer does, against the real engine: images (pull, force pull),
// names and labels, networks, volumes, users, removal, recovery by label.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DockerContainerizer } from '../../src/containerizer/docker.js';
import type { DockerSpec, LaunchSpec, VolumeSpec } from '../../src/containerizer/types.js';
import { waitFor } from './contract.js';
import { dockerContainer, removeTestContainers, requireDocker, TEST_AGENT_LABEL, TEST_IMAGE } from './docker-helpers.js';

/** A name only a registry on a closed loopback port could serve: pulls fail fast and never leave the machine. */
const UNPULLABLE = '127.0.0.1:1/tsmesos/no-such-image:test';
const LOCAL_ONLY = '127.0.0.1:1/tsmesos/busybox:local-only';

let docker: Docker;
let dirs: string[] = [];
let containerizer: DockerContainerizer;
let nextId = 0;

beforeAll(async () => {
  docker = await requireDocker();
  await docker.getImage(TEST_IMAGE).tag({ repo: LOCAL_ONLY.split(':').slice(0, 2).join(':'), tag: 'local-only' });
});
afterAll(async () => {
  await removeTestContainers(docker);
  await (docker as Docker | undefined)?.getImage(LOCAL_ONLY).remove().catch(() => undefined);
});
beforeEach(() => {
  containerizer = new DockerContainerizer({ agentLabel: TEST_AGENT_LABEL });
});
afterEach(async () => {
  await containerizer.destroyAll(0);
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tsmesos-docker-'));
  dirs.push(dir);
  return dir;
}

async function spec(value: string, docker: Partial<DockerSpec> = {}, extra: Partial<LaunchSpec> & { volumes?: VolumeSpec[] } = {}): Promise<LaunchSpec> {
  const { volumes = [], ...rest } = extra;
  return {
    containerId: `engine-${process.pid}-${nextId++}`, sandboxDir: await tempDir(),
    command: { shell: true, value, arguments: [], environment: {} }, env: { MESOS_SANDBOX: '/host/path' },
    container: dockerContainer(docker, { volumes }), ...rest,
  };
}

const stdout = (s: LaunchSpec): Promise<string> => readFile(path.join(s.sandboxDir, 'stdout'), 'utf8');

async function run(s: LaunchSpec): Promise<string> {
  const done = await (await containerizer.launch(s)).termination;
  expect(done.exitCode, await readFile(path.join(s.sandboxDir, 'stderr'), 'utf8').catch(() => '')).toBe(0);
  return stdout(s);
}

describe('DockerContainerizer against the engine', () => {
  it('names the container mesos-<containerId>, labels it for recovery, limits it, and removes it after exit', async () => {
    const s = await spec('sleep 30', {}, { resources: { cpus: 0.5, memMb: 48 }, owner: { agentId: 'S1', frameworkId: 'F1', taskId: 'T1' } });
    const launched = await containerizer.launch(s);
    const info = await docker.getContainer(`mesos-${s.containerId}`).inspect();
    expect(info.Config.Labels).toMatchObject({ 'tsmesos.agent': TEST_AGENT_LABEL, 'tsmesos.container_id': s.containerId, 'tsmesos.task_id': 'T1', 'tsmesos.framework_id': 'F1' });
    expect(info.HostConfig).toMatchObject({ CpuShares: 512, CpuQuota: 50_000, Memory: 48 * 1024 * 1024, NetworkMode: 'none' });
    await containerizer.kill(s.containerId, 0);
    await launched.termination;
    await expect(docker.getContainer(`mesos-${s.containerId}`).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('an image that cannot be pulled fails the launch with a reason naming the image', async () => {
    const s = await spec('true', { image: UNPULLABLE });
    await expect(containerizer.launch(s)).rejects.toThrow(/Failed to pull image '127\.0\.0\.1:1\/tsmesos\/no-such-image:test'/);
    expect(containerizer.containers()).toEqual([]);
  });

  it('uses a local image without pulling; force_pull_image pulls anyway (and here fails: there is no registry)', async () => {
    expect(await run(await spec('echo local', { image: LOCAL_ONLY }))).toBe('local\n');
    await expect(containerizer.launch(await spec('echo forced', { image: LOCAL_ONLY, forcePullImage: true }))).rejects.toThrow(/Failed to pull image/);
  });

  it('network NONE has only loopback; HOST reaches a server on the host loopback', async () => {
    expect(await run(await spec('ls /sys/class/net'))).toBe('lo\n');
    const server: Server = createServer((_, res) => res.end('hello from the host\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      expect(await run(await spec(`wget -q -O - http://127.0.0.1:${port}/`, { network: 'HOST' }))).toBe('hello from the host\n');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('BRIDGE: refused clearly on an engine without a bridge network (dockerd --bridge=none); else ports are published', async () => {
    const s = await spec('sleep 30', { network: 'BRIDGE', portMappings: [{ hostPort: 31999, containerPort: 80, protocol: 'tcp' }] });
    const hasBridge = await docker.getNetwork('bridge').inspect().then(() => true, () => false);
    if (!hasBridge) {
      await expect(containerizer.launch(s)).rejects.toThrow(/network BRIDGE: the Docker engine has no bridge network \(dockerd runs with --bridge=none\); use HOST or NONE/);
      return;
    }
    await containerizer.launch(s);
    const info = await docker.getContainer(`mesos-${s.containerId}`).inspect();
    expect(info.HostConfig).toMatchObject({ NetworkMode: 'bridge', PortBindings: { '80/tcp': [{ HostPort: '31999' }] } });
  });

  it('mounts host-path volumes read-write and read-only, and the sandbox at /mnt/mesos/sandbox', async () => {
    const rw = await tempDir();
    const ro = await tempDir();
    await writeFile(path.join(ro, 'given'), 'from the host\n');
    const s = await spec('echo written > /rw/out; cat /ro/given; echo x > /ro/nope || echo read-only; echo "$MESOS_SANDBOX"; pwd', {}, {
      volumes: [{ containerPath: '/rw', hostPath: rw, mode: 'RW' }, { containerPath: '/ro', hostPath: ro, mode: 'RO' }],
    });
    expect(await run(s)).toBe('from the host\nread-only\n/mnt/mesos/sandbox\n/mnt/mesos/sandbox\n');
    expect(await readFile(path.join(rw, 'out'), 'utf8')).toBe('written\n');
  });

  it('runs as CommandInfo.user', async () => {
    expect(await run(await spec('id -u', {}, { user: 'nobody' }))).toBe('65534\n');
  });

  it('applies docker parameters, and refuses an unsupported one by name', async () => {
    const s = await spec('echo "$FROM_PARAM"; sleep 30', { parameters: [{ key: 'env', value: 'FROM_PARAM=yes' }, { key: 'label', value: 'team=web' }] });
    await containerizer.launch(s);
    await waitFor(async () => (await stdout(s).catch(() => '')) === 'yes\n');
    expect((await docker.getContainer(`mesos-${s.containerId}`).inspect()).Config.Labels['team']).toBe('web');
    await expect(containerizer.launch(await spec('true', { parameters: [{ key: 'volumes-from', value: 'x' }] }))).rejects.toThrow(/'--volumes-from' is not supported/);
  });

  it('a restarted agent recovers its running containers by label, follows them and can kill them', async () => {
    const s = await spec('echo before; trap "echo got-term; exit 0" TERM; while :; do sleep 0.1; done', {}, { owner: { agentId: 'S1', frameworkId: 'F1', taskId: 'T9' } });
    await containerizer.launch(s);
    await waitFor(async () => (await stdout(s).catch(() => '')) === 'before\n');
    // Another containerizer instance plays the restarted agent; the first forgets nothing but is never asked again.
    const restarted = new DockerContainerizer({ agentLabel: TEST_AGENT_LABEL });
    const stranger = new DockerContainerizer({ agentLabel: `${TEST_AGENT_LABEL}-other` });
    expect(await stranger.recover()).toEqual([]);
    const recovered = await restarted.recover();
    const mine = recovered.find((c) => c.containerId === s.containerId);
    expect(mine?.owner).toEqual({ agentId: 'S1', frameworkId: 'F1', taskId: 'T9' });
    expect(restarted.containers()).toContain(s.containerId);
    await restarted.kill(s.containerId, 5000);
    const done = await mine!.termination;
    expect(done).toMatchObject({ exitCode: 0, killed: true });
    await waitFor(async () => (await stdout(s)).includes('got-term'));
  });

  it('ping() names the socket when the engine cannot be reached', async () => {
    await expect(new DockerContainerizer({ socketPath: '/nonexistent/docker.sock' }).ping()).rejects.toThrow(/cannot reach the Docker engine at unix:\/\/\/nonexistent\/docker.sock/);
    await expect(containerizer.ping()).resolves.toMatch(/API/);
  });
});
