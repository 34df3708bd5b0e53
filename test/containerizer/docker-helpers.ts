// What the docker tests share: the local test image, a DOCKER ContainerSpec, and a hard
// failure (never a skip) when the engine or the image is missing.
import Docker from 'dockerode';
import type { ContainerSpec, DockerSpec } from '../../src/containerizer/types.js';

export const TEST_IMAGE = 'tsmesos/busybox:test';
/** Label on every container the tests create, so a failed run's leftovers are found and removed. */
export const TEST_AGENT_LABEL = `tsmesos-test-${process.pid}`;

export function dockerContainer(docker: Partial<DockerSpec> = {}, extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    type: 'DOCKER',
    volumes: [],
    docker: { image: TEST_IMAGE, network: 'NONE', portMappings: [], privileged: false, parameters: [], forcePullImage: false, ...docker },
    ...extra,
  };
}

/** Fails with what to do when the engine or the image is not there (scripts/test-all.sh provides both). */
export async function requireDocker(): Promise<Docker> {
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  try {
    await docker.ping();
  } catch (e) {
    throw new Error(`docker tests need a running Docker engine at /var/run/docker.sock (start one with scripts/test-all.sh or 'dockerd --bridge=none --iptables=false &'): ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch {
    throw new Error(`docker tests need the image ${TEST_IMAGE}: build it with scripts/docker-test-image.sh`);
  }
  return docker;
}

/** Removes every container carrying this run's label, running or not. */
export async function removeTestContainers(docker: Docker | undefined, label = TEST_AGENT_LABEL): Promise<void> {
  // No engine (the setup failed and said why): nothing was started, nothing to remove.
  if (docker === undefined) return;
  const list = await docker.listContainers({ all: true, filters: { label: [`tsmesos.agent=${label}`] } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
}
