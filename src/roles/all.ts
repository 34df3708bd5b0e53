import path from 'node:path';
import type { RoleConfig } from './config.js';
import type { Logger } from '../lib/log.js';
import { systemClock } from '../lib/clock.js';
import { startMaster, type RunningRole } from './master.js';
import { startAgent, type AgentDeps } from './agent.js';
import { checkNodeCertificate } from '../security/ca.js';
import { parseJoinToken } from '../security/join-token.js';
import { joinCluster } from '../security/join-client.js';
import { readNodeTls, writeNodeTls, type NodeTlsFiles } from '../security/files.js';

/**
 * Master and agent in one process; the agent joins as a remote agent would: with a one-use
 * token through the join endpoint (CA pinned, CSR signed), then over mutual TLS. A restart
 * reuses the agent's certificate while it is valid.
 */
export async function startAll(config: RoleConfig, logger: Logger, deps: AgentDeps = {}): Promise<RunningRole> {
  const clock = deps.clock ?? systemClock;
  const master = await startMaster(config, logger, deps);
  let agent: RunningRole;
  try {
    const agentDir = path.join(config.dataDir, 'agent');
    let tls: NodeTlsFiles | null = readNodeTls(agentDir);
    const reusable = tls !== null && tls.caPem === master.clusterCaPem() && checkNodeCertificate(tls.certPem, tls.caPem, clock.now()).ok;
    if (!reusable) {
      const token = parseJoinToken(await master.createLocalJoinToken());
      tls = await joinCluster(token, { role: 'agent', ip: config.ip, port: config.agentPort, now: () => clock.now() });
      writeNodeTls(agentDir, tls);
    }
    agent = await startAgent({ ...config, masters: [{ host: config.ip, port: config.masterPort }], nodeTls: tls! }, logger, deps);
  } catch (e) {
    await master.stop();
    throw e;
  }
  return {
    async stop(opts) {
      await agent.stop(opts);
      await master.stop();
    },
  };
}
