import type { RoleConfig } from './config.js';
import type { Logger } from '../lib/log.js';
import { startMaster, type RunningRole } from './master.js';
import { startAgent, type AgentDeps } from './agent.js';

/** Master and agent in one process; the agent joins over HTTP exactly as a remote agent would. */
export async function startAll(config: RoleConfig, logger: Logger, deps: AgentDeps = {}): Promise<RunningRole> {
  const master = await startMaster(config, logger, deps);
  let agent: RunningRole;
  try {
    agent = await startAgent({ ...config, masters: [{ host: config.ip, port: config.masterPort }] }, logger, deps);
  } catch (e) {
    await master.stop();
    throw e;
  }
  return {
    async stop() {
      await agent.stop();
      await master.stop();
    },
  };
}
