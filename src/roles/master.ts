import type { RoleConfig } from './config.js';
import { masterApp } from '../api/master-app.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { systemRng, type Rng } from '../lib/rng.js';
import type { Logger } from '../lib/log.js';
import { listen, type RunningServer } from '../lib/http-server.js';
import { HttpClient } from '../lib/http-client.js';
import { Registry } from '../registry/registry.js';
import { Master } from '../master/master.js';
import { RaftDriver } from '../consensus/driver.js';
import { RaftLog } from '../ha/raft-command-log.js';
import { RaftLeadership } from '../ha/raft-leadership.js';
import { HttpTransport, faultsFromEnv } from '../consensus/transport.js';
import { raftApp } from '../consensus/http-api.js';
import { NO_PEER_AUTH } from '../consensus/peer-auth.js';
import path from 'node:path';
import os from 'node:os';
import { ServicesHandle, servicesLeaderService } from '../services/leader-service.js';
import { inProcessTransport } from '../scheduler-client/transport.js';

/** Time and randomness of a role; tests inject a manual clock. Default: the system ones. */
export interface RoleDeps {
  clock?: Clock;
  rng?: Rng;
}

export interface RunningRole {
  /** Graceful stop: no new work, streams closed, registry flushed. */
  stop(): Promise<void>;
}

/**
 * Composition root of a master: registry + Raft driver + leadership-gated master services
 * + HTTP. Wiring only. Every master (also `--role all`) runs on the Raft log; without
 * --peers it is a one-member cluster that can grow with `tsmesos masters add`.
 */
export async function startMaster(config: RoleConfig, logger: Logger, deps: RoleDeps = {}): Promise<RunningRole> {
  const clock = deps.clock ?? systemClock;
  const rng = deps.rng ?? systemRng;
  const registry = Registry.open(path.join(config.dataDir, 'master'));
  const id = `${config.ip}:${config.masterPort}`;
  const peers = config.peers;
  // Listed (or no list): a founding member. Not listed: joins an existing cluster when added.
  const bootstrapVoters = peers.length === 0 ? [id] : peers.includes(id) ? peers : [];
  const raftLogger = logger.child('raft');
  let driver: RaftDriver;
  try {
    driver = new RaftDriver({
      id, stateMachine: registry, bootstrapVoters,
      transport: new HttpTransport({ self: id, http: new HttpClient({ localAddress: config.ip }), clock, rng, logger: raftLogger, auth: NO_PEER_AUTH, ...optionalFaults() }),
      clock, rng, logger: raftLogger,
      heartbeatIntervalMs: config.heartbeatIntervalMs, electionTimeoutMs: config.electionTimeoutMs,
      onFatal: () => {
        logger.error('consensus failed; exiting so a healthy master can take over');
        process.exit(1);
      },
    });
  } catch (e) {
    registry.close();
    throw e;
  }
  const raftLog = new RaftLog(driver);
  const leadership = new RaftLeadership({
    driver, self: { hostname: config.hostname, ip: config.ip, port: config.masterPort }, clock, logger: logger.child('leadership'),
    makeMaster: () => {
      const master = new Master({
        ip: config.ip, port: config.masterPort, hostname: config.hostname, registry, log: raftLog,
        clock, rng, logger: logger.child('master'),
        timings: { agentReregisterTimeoutMs: config.agentReregisterTimeoutMs },
      });
      // The built-in services scheduler: a framework of this master, through its own HTTP app.
      master.services.register(servicesLeaderService({
        registry, log: raftLog, transport: inProcessTransport((req) => app.fetch(req)), clock, rng, logger: logger.child('services'),
        role: config.servicesRole, user: os.userInfo().username, hostname: config.hostname,
      }, services));
      return master;
    },
  });
  const services = new ServicesHandle();
  const bench = process.env['TSMESOS_RAFT_BENCH'] === '1';
  const raftHttp = raftApp(driver, { auth: NO_PEER_AUTH, ...(bench ? { benchPropose: () => raftLog.propose({ type: 'NOOP' }) } : {}) });
  const app = masterApp(leadership, { ip: config.ip, port: config.masterPort, hostname: config.hostname, flags: config.flagStrings }, logger.child('http'), [raftHttp], { handle: services, http: new HttpClient({ localAddress: config.ip }) });
  let server: RunningServer;
  try {
    server = await listen(app, config.ip, config.masterPort);
  } catch (e) {
    driver.stop();
    registry.close();
    throw e;
  }
  driver.start();
  logger.info('master listening', { address: `http://${id}`, members: driver.status().voters, learners: driver.status().learners });
  return {
    async stop() {
      await leadership.stop(Math.min(3000, Math.max(500, config.electionTimeoutMs)));
      driver.stop();
      await server.close();
      registry.close();
    },
  };
}

function optionalFaults(): { faults?: ReturnType<typeof faultsFromEnv> } {
  const f = faultsFromEnv();
  return f ? { faults: f } : {};
}
