// End to end on the built executable with the real Docker engine: `up --role all --containerizers
// posix,docker`, a v1 framework launches a DOCKER task, reads its stdout through /files/read and
// kills it; the container is gone afterwards. Needs dockerd and tsmesos/busybox:test
// (scripts/test-all.sh provides both); fails, never skips, without them.
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startAllInOne, tempDir, waitFor, type Proc } from '../helpers/process.js';
import { offersOf, V1Scheduler } from '../helpers/v1-client.js';
import { requireDocker, TEST_IMAGE } from '../containerizer/docker-helpers.js';
import { dockerTask, followTask as follow, launchTask as launch } from './task-flow.js';

describe('a DOCKER task on `up --role all --containerizers posix,docker` (built executable)', () => {
  const dataDir = tempDir();
  const agentLabel = path.join(dataDir, 'agent');
  let docker: Docker;
  let cluster: Awaited<ReturnType<typeof startAllInOne>>;
  let proc: Proc;
  let s: V1Scheduler;

  const ourContainers = () => docker.listContainers({ all: true, filters: { label: [`tsmesos.agent=${agentLabel}`] } });

  beforeAll(async () => {
    docker = await requireDocker();
    cluster = await startAllInOne(dataDir, ['--containerizers', 'posix,docker']);
    proc = cluster.proc;
    s = new V1Scheduler(cluster.master);
    await s.subscribe({ user: 'root', name: 'docker-e2e' });
  });
  afterAll(async () => {
    s?.close();
    proc?.kill('SIGKILL');
    await proc?.exited;
  });

  it('runs it, serves its stdout through /files/read, kills it, and removes its container', async () => {
    await launch(s, offersOf(await s.next((e) => e.type === 'OFFERS'))[0]!, dockerTask('web-1', 'echo "hello from docker in $MESOS_SANDBOX"; exec sleep 300'));
    expect((await follow(s, 'web-1', 'TASK_RUNNING')).map((u) => u.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING']);

    const containers = await ourContainers();
    expect(containers).toHaveLength(1);
    expect(containers[0]!.Names[0]).toMatch(/^\/mesos-[0-9a-f-]{36}$/);
    expect(containers[0]!.Image).toBe(TEST_IMAGE);

    type AgentState = { frameworks: { id: string; executors: { id: string; directory: string; container: string }[] }[] };
    const state = (await getJson(`${cluster.agent}/state`)).body as AgentState;
    const executor = state.frameworks.find((f) => f.id === s.frameworkId)!.executors.find((x) => x.id === 'web-1')!;
    expect(containers[0]!.Names[0]).toBe(`/mesos-${executor.container}`);
    const read = await waitFor('stdout through /files/read', async () => {
      const r = await getJson(`${cluster.agent}/files/read?path=${encodeURIComponent(`${executor.directory}/stdout`)}&offset=0&length=1000`);
      return (r.body as { data?: string }).data !== '' ? r : undefined;
    });
    expect(read.body).toEqual({ offset: 0, data: 'hello from docker in /mnt/mesos/sandbox\n' });

    const started = Date.now();
    expect((await s.call({ type: 'KILL', kill: { task_id: { value: 'web-1' } } })).status).toBe(202);
    const killed = await follow(s, 'web-1', 'TASK_KILLED');
    expect(killed.at(-1)?.state).toBe('TASK_KILLED');
    expect(Date.now() - started).toBeLessThan(10_000);
    await waitFor('the container removed', async () => ((await ourContainers()).length === 0 ? true : undefined));
  });

  it('an OOM-killed DOCKER task ends TASK_FAILED with REASON_CONTAINER_LIMITATION_MEMORY', async () => {
    await launch(s, offersOf(await s.next((e) => e.type === 'OFFERS'))[0]!, dockerTask('hog-1', 'exec dd if=/dev/zero of=/dev/null bs=256M count=1'));
    const last = (await follow(s, 'hog-1', 'TASK_FAILED')).at(-1)!;
    expect(last).toMatchObject({ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LIMITATION_MEMORY' });
    expect(last.message).toMatch(/Memory limit exceeded/);
  });

  it('an image that cannot be pulled ends TASK_FAILED with REASON_CONTAINER_LAUNCH_FAILED naming it', async () => {
    await launch(s, offersOf(await s.next((e) => e.type === 'OFFERS'))[0]!, dockerTask('nope-1', 'true', { image: '127.0.0.1:1/tsmesos/no-such-image:test' }));
    const last = (await follow(s, 'nope-1', 'TASK_FAILED')).at(-1)!;
    expect(last).toMatchObject({ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED' });
    expect(last.message).toMatch(/Failed to pull image '127\.0\.0\.1:1\/tsmesos\/no-such-image:test'/);
  });

  it('stops cleanly on SIGTERM with nothing left behind', async () => {
    await s.call({ type: 'TEARDOWN' });
    proc.kill('SIGTERM');
    expect((await proc.exited).code, proc.output()).toBe(0);
    expect(await ourContainers()).toEqual([]);
  });
});
