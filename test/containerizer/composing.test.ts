import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ComposingContainerizer } from '../../src/containerizer/composing.js';
import { PosixContainerizer } from '../../src/containerizer/posix.js';
import type { ContainerSpec, ContainerTermination, ContainerUsage, Containerizer, LaunchSpec, LaunchedContainer, RecoveredContainer } from '../../src/containerizer/types.js';

const dockerContainer = (image: string): ContainerSpec => ({
  type: 'DOCKER', volumes: [],
  docker: { image, network: 'HOST', portMappings: [], privileged: false, parameters: [], forcePullImage: false },
});

/** Stands in for the docker containerizer: runs image specs, records calls, never starts processes. */
class FakeImageContainerizer implements Containerizer {
  readonly name = 'docker';
  readonly launched: string[] = [];
  readonly killed: string[] = [];
  private readonly live = new Map<string, (t: ContainerTermination) => void>();

  recoverable: RecoveredContainer[] = [];

  supports(spec: LaunchSpec): boolean {
    return spec.container?.type === 'DOCKER';
  }

  recover(): Promise<RecoveredContainer[]> {
    for (const c of this.recoverable) this.live.set(c.containerId, () => undefined);
    return Promise.resolve(this.recoverable);
  }

  usage(containerId: string): Promise<ContainerUsage | undefined> {
    return Promise.resolve(this.live.has(containerId) ? { timestamp: 1, cpusTimeSecs: 2, memRssBytes: 3 } : undefined);
  }

  launch(spec: LaunchSpec): Promise<LaunchedContainer> {
    this.launched.push(spec.containerId);
    const termination = new Promise<ContainerTermination>((resolve) => this.live.set(spec.containerId, resolve));
    return Promise.resolve({ containerId: spec.containerId, pid: null, termination });
  }

  kill(containerId: string): Promise<void> {
    this.killed.push(containerId);
    this.live.get(containerId)?.({ exitCode: null, signal: 'SIGKILL', killed: true, message: 'killed' });
    this.live.delete(containerId);
    return Promise.resolve();
  }

  containers(): string[] {
    return [...this.live.keys()];
  }
}

describe('ComposingContainerizer', () => {
  let sandbox: string;
  let posix: PosixContainerizer;
  let image: FakeImageContainerizer;
  let composing: ComposingContainerizer;

  beforeEach(async () => {
    sandbox = await mkdtemp(path.join(tmpdir(), 'tsmesos-composing-'));
    posix = new PosixContainerizer();
    image = new FakeImageContainerizer();
    composing = new ComposingContainerizer([posix, image]);
  });

  afterEach(async () => {
    await composing.destroyAll(0);
    await rm(sandbox, { recursive: true, force: true });
  });

  const spec = (containerId: string, extra: Partial<LaunchSpec> = {}): LaunchSpec => ({
    containerId,
    sandboxDir: sandbox,
    command: { shell: true, value: 'sleep 30', arguments: [], environment: {} },
    env: {},
    ...extra,
  });

  it('uses the first containerizer that supports the spec', async () => {
    await composing.launch(spec('plain'));
    await composing.launch(spec('imaged', { container: dockerContainer('busybox') }));
    expect(posix.containers()).toEqual(['plain']);
    expect(image.launched).toEqual(['imaged']);
    expect(composing.containers().sort()).toEqual(['imaged', 'plain']);
    expect(composing.select(spec('x'))).toBe(posix);
  });

  it('routes kill to the containerizer that launched the container', async () => {
    const plain = await composing.launch(spec('plain'));
    await composing.launch(spec('imaged', { container: dockerContainer('busybox') }));
    await composing.kill('imaged', 100);
    expect(image.killed).toEqual(['imaged']);
    expect(posix.containers()).toEqual(['plain']);
    await composing.kill('plain', 100);
    expect((await plain.termination).killed).toBe(true);
    expect(composing.containers()).toEqual([]);
  });

  it('fails with BAD_REQUEST when no containerizer supports the spec', async () => {
    const onlyPosix = new ComposingContainerizer([posix]);
    expect(onlyPosix.supports(spec('x', { container: dockerContainer('busybox') }))).toBe(false);
    await expect(onlyPosix.launch(spec('x', { container: dockerContainer('busybox') }))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('tried: posix') as unknown,
    });
  });

  it('does not fall through when the chosen containerizer fails to launch', async () => {
    const failing = spec('broken', { command: { shell: false, value: '/nonexistent/binary', arguments: [], environment: {} } });
    await expect(composing.launch(failing)).rejects.toThrow(/nonexistent/);
    expect(image.launched).toEqual([]);
    // The id is free again after the failure.
    await composing.launch(spec('broken'));
    expect(composing.containers()).toEqual(['broken']);
  });

  it('rejects a duplicate id even across containerizers', async () => {
    await composing.launch(spec('dup'));
    await expect(composing.launch(spec('dup', { container: dockerContainer('busybox') }))).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('falls through in order: posix,docker sends a MESOS container to posix, a DOCKER one to docker', () => {
    const mesos = spec('mesos-typed', { container: { type: 'MESOS', volumes: [] } });
    expect(composing.select(mesos)).toBe(posix);
    expect(composing.select(spec('d', { container: dockerContainer('busybox') }))).toBe(image);
    const dockerFirst = new ComposingContainerizer([image, posix]);
    expect(dockerFirst.select(mesos)).toBe(posix);
    expect(dockerFirst.select(spec('d', { container: dockerContainer('busybox') }))).toBe(image);
  });

  it('recover() collects every member\'s containers; kill() and usage() then reach them', async () => {
    await Promise.resolve();
    let ended: (t: ContainerTermination) => void = () => undefined;
    const termination = new Promise<ContainerTermination>((r) => (ended = r));
    image.recoverable = [{ containerId: 'survivor', pid: null, termination, owner: { agentId: 'a', frameworkId: 'f', taskId: 't' } }];
    const recovered = await composing.recover();
    expect(recovered.map((c) => c.containerId)).toEqual(['survivor']);
    expect(await composing.usage('survivor')).toMatchObject({ cpusTimeSecs: 2 });
    await composing.kill('survivor', 100);
    expect(image.killed).toEqual(['survivor']);
    ended({ exitCode: 0, signal: null, killed: true, message: 'x' });
    expect(await composing.usage('nobody')).toBeUndefined();
  });

  it('kill of an unknown id resolves', async () => {
    await expect(composing.kill('nobody', 100)).resolves.toBeUndefined();
  });

  it('needs at least one containerizer', () => {
    expect(() => new ComposingContainerizer([])).toThrow(/at least one/);
  });
});
