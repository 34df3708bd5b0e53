import path from 'node:path';
import type { RoleConfig } from './config.js';
import { agentApp } from '../api/agent-app.js';
import { systemClock } from '../lib/clock.js';
import { systemRng } from '../lib/rng.js';
import type { Logger } from '../lib/log.js';
import { listen } from '../lib/http-server.js';
import { Resources } from '../domain/resources.js';
import { detectResources, readHostFacts } from '../agent/detect.js';
import { Agent } from '../agent/agent.js';
import { PosixContainerizer } from '../containerizer/posix.js';
import { ComposingContainerizer } from '../containerizer/composing.js';
import type { Containerizer } from '../containerizer/types.js';
import type { ContainerRuntime } from '../containerizer/composing.js';
import type { RoleDeps, RunningRole } from './master.js';

/** What a test may swap in an agent: time, randomness, and (for master behaviour) the containerizer. */
export interface AgentDeps extends RoleDeps {
  containerizer?: ContainerRuntime;
}

/** Composition root of an agent: detected resources + containerizers + master link + HTTP. Wiring only. */
export async function startAgent(config: RoleConfig, logger: Logger, deps: AgentDeps = {}): Promise<RunningRole> {
  const workDir = path.join(config.dataDir, 'agent');
  const resources = detectResources(config.resources ?? Resources.empty(), readHostFacts(workDir));
  const members: Containerizer[] = [];
  for (const name of deps.containerizer ? [] : config.containerizers) {
    if (name === 'posix') members.push(new PosixContainerizer({ logger }));
    else throw new Error(`containerizer '${name}' is not available in this build yet`);
  }
  const agent = new Agent({
    workDir, ip: config.ip, port: config.agentPort, hostname: config.hostname, resources, attributes: config.attributes,
    masters: config.masters, containerizer: deps.containerizer ?? new ComposingContainerizer(members), clock: deps.clock ?? systemClock, rng: deps.rng ?? systemRng,
    logger: logger.child('agent'),
  });
  const app = agentApp(agent, { ip: config.ip, port: config.agentPort, hostname: config.hostname, workDir, flags: config.flagStrings }, logger.child('agent-http'));
  const server = await listen(app, config.ip, config.agentPort);
  agent.start();
  logger.info('agent listening', { address: `http://${config.ip}:${config.agentPort}`, resources: resources.toString() });
  return {
    async stop() {
      await agent.stop(2000);
      await server.close();
    },
  };
}
