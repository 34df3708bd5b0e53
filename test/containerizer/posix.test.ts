import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isTsmesosError } from '../../src/domain/errors.js';
import { PosixContainerizer } from '../../src/containerizer/posix.js';
import type { LaunchSpec } from '../../src/containerizer/types.js';
import { GRACE_MS, runContainerizerContract, waitFor } from './contract.js';

runContainerizerContract('posix', () => new PosixContainerizer());

const hasProc = existsSync('/proc/self/stat');

describe('PosixContainerizer specifics', () => {
  let containerizer: PosixContainerizer;
  let sandbox: string;
  let nextId = 0;

  beforeEach(async () => {
    containerizer = new PosixContainerizer({ baseEnv: { PATH: process.env.PATH, AGENT_PROCESS_VAR: 'inherited' } });
    sandbox = await mkdtemp(path.join(tmpdir(), 'tsmesos-posix-'));
  });

  afterEach(async () => {
    await containerizer.destroyAll(0);
    await rm(sandbox, { recursive: true, force: true });
  });

  const spec = (value: string, extra: Partial<LaunchSpec> = {}): LaunchSpec => ({
    containerId: `posix-${nextId++}`,
    sandboxDir: sandbox,
    command: { shell: true, value, arguments: [], environment: {} },
    env: {},
    ...extra,
  });

  it('does not support image launches (falls through to docker)', () => {
    expect(containerizer.supports(spec('true'))).toBe(true);
    expect(containerizer.supports(spec('true', { container: { type: 'DOCKER', volumes: [], docker: { image: 'busybox', network: 'HOST', portMappings: [], privileged: false, parameters: [], forcePullImage: false } } }))).toBe(false);
  });

  it("inherits the agent's environment", async () => {
    await (await containerizer.launch(spec('echo "$AGENT_PROCESS_VAR"'))).termination;
    expect(await readFile(path.join(sandbox, 'stdout'), 'utf8')).toBe('inherited\n');
  });

  it("gives the task its PERL* variables without letting them steer the task's supervisor", async () => {
    // Applied to the supervisor's own perl, PERL5OPT=-MNoSuchModule would stop it before the task starts.
    const environment = { PERL5OPT: '-MTsmesosNoSuchModule', PERL5LIB: '/nowhere' };
    const done = await (await containerizer.launch(spec('echo "$PERL5OPT $PERL5LIB"', { command: { shell: true, value: 'echo "$PERL5OPT $PERL5LIB"', arguments: [], environment } }))).termination;
    expect(done.exitCode).toBe(0);
    expect(await readFile(path.join(sandbox, 'stdout'), 'utf8')).toBe('-MTsmesosNoSuchModule /nowhere\n');
  });

  it('reports the terminating signal: SIGTERM normally, SIGKILL after the grace period', async () => {
    const polite = await containerizer.launch(spec('sleep 30'));
    await containerizer.kill(polite.containerId, GRACE_MS);
    expect(await polite.termination).toMatchObject({ exitCode: null, signal: 'SIGTERM', killed: true });

    const stubborn = await containerizer.launch(spec("trap '' TERM; echo ready; sleep 30"));
    await waitFor(async () => (await readFile(path.join(sandbox, 'stdout'), 'utf8')).includes('ready'));
    await containerizer.kill(stubborn.containerId, GRACE_MS);
    const done = await stubborn.termination;
    expect(done).toMatchObject({ exitCode: null, signal: 'SIGKILL', killed: true });
    expect(done.message).toMatch(/SIGKILL/);
  });

  it.runIf(hasProc)('starts the task as leader of its own process group', async () => {
    const launched = await containerizer.launch(spec('sleep 30'));
    const pid = launched.pid ?? -1;
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
    expect(Number(fields[2])).toBe(pid); // pgrp
    expect(Number(fields[2])).not.toBe(process.pid);
  });

  it.runIf(hasProc)('hands the task file descriptors of the sandbox files, not pipes through the agent', async () => {
    const launched = await containerizer.launch(spec('sleep 30'));
    expect(await readlink(`/proc/${launched.pid}/fd/1`)).toBe(path.join(sandbox, 'stdout'));
    expect(await readlink(`/proc/${launched.pid}/fd/2`)).toBe(path.join(sandbox, 'stderr'));
  });

  it('rejects a launch into a missing sandbox with a clear error', async () => {
    const missing = path.join(sandbox, 'does-not-exist');
    const err: unknown = await containerizer.launch(spec('true', { sandboxDir: missing })).catch((e: unknown) => e);
    expect(isTsmesosError(err) && err.code).toBe('NOT_FOUND');
    expect(String(err)).toContain(missing);
  });

  it('classifies a missing binary as BAD_REQUEST', async () => {
    const err: unknown = await containerizer
      .launch(spec('/nonexistent/bin', { command: { shell: false, value: '/nonexistent/bin', arguments: [], environment: {} } }))
      .catch((e: unknown) => e);
    expect(isTsmesosError(err) && err.code).toBe('BAD_REQUEST');
    expect(String(err)).toMatch(/cannot execute '\/nonexistent\/bin': no such file or directory/);
  });

  it('rejects environment values with NUL bytes instead of throwing synchronously', async () => {
    const launch = containerizer.launch(spec('true', { env: { BAD: 'a\0b' } }));
    await expect(launch).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('a kill racing the launch still kills the container', async () => {
    const launching = containerizer.launch(spec('sleep 30'));
    const killing = containerizer.kill(`posix-${nextId - 1}`, GRACE_MS);
    const launched = await launching;
    await killing;
    expect((await launched.termination).killed).toBe(true);
    expect(containerizer.containers()).toEqual([]);
  });

  it('destroyAll kills every container', async () => {
    const launched = await Promise.all([1, 2, 3].map(() => containerizer.launch(spec('sleep 30'))));
    expect(containerizer.containers()).toHaveLength(3);
    await containerizer.destroyAll(GRACE_MS);
    expect(containerizer.containers()).toEqual([]);
    for (const l of launched) expect((await l.termination).killed).toBe(true);
  });
});
