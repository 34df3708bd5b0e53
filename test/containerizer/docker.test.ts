import { afterAll, beforeAll } from 'vitest';
import type Docker from 'dockerode';
import { DockerContainerizer } from '../../src/containerizer/docker.js';
import { runContainerizerContract } from './contract.js';
import { dockerContainer, removeTestContainers, requireDocker, TEST_AGENT_LABEL } from './docker-helpers.js';

let docker: Docker;
beforeAll(async () => {
  docker = await requireDocker();
});
afterAll(async () => {
  await removeTestContainers(docker);
});

runContainerizerContract('docker', () => new DockerContainerizer({ agentLabel: TEST_AGENT_LABEL }), {
  specDefaults: { container: dockerContainer() },
  argv: 'docker',
  missingBinary: 'exit-127',
  enforcesLimits: true,
});
