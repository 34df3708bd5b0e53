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
  let stopRole: (() => Promise<void>) | null = null;
  let driver: RaftDriver;
  try {
    driver = new RaftDriver({
      id, stateMachine: registry, bootstrapVoters,
      transport: new HttpTransport({ self: id, http: new HttpClient({ localAddress: config.ip }), clock, rng, logger: raftLogger, auth: NO_PEER_AUTH, ...optionalFaults() }),
      clock, rng, logger: raftLogger,
      heartbeatIntervalMs: config.heartbeatIntervalMs, electionTimeoutMs: config.electionTimeoutMs,
      onRemoved: ({ confIndex }) => {
        // Serving 503 forever helps nobody: stop and exit 0 (a supervisor should not restart it).
        logger.info('this master was removed from the cluster; exiting. To rejoin, empty its data directory and add it again with `tsmesos masters add`', { index: confIndex, dataDir: config.dataDir });
        setTimeout(() => process.exit(1), 5000).unref(); // the stop hung
        (stopRole ?? (() => Promise.resolve()))().then(() => process.exit(0), () => process.exit(1));
      },
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
    makeMaster: () => new Master({
      ip: config.ip, port: config.masterPort, hostname: config.hostname, registry, log: raftLog,
      clock, rng, logger: logger.child('master'),
      timings: { agentReregisterTimeoutMs: config.agentReregisterTimeoutMs, offerTimeoutMs: config.offerTimeoutMs },
      ...(config.minAllocatableResources !== null ? { allocation: { minAllocatable: config.minAllocatableResources } } : {}),
    }),
  });
  const bench = process.env['TSMESOS_RAFT_BENCH'] === '1';
  const raftHttp = raftApp(driver, { auth: NO_PEER_AUTH, ...(bench ? { benchPropose: () => raftLog.propose({ type: 'NOOP' }) } : {}) });
  const app = masterApp(leadership, { ip: config.ip, port: config.masterPort, hostname: config.hostname, flags: config.flagStrings }, logger.child('http'), [raftHttp]);
  let server: RunningServer;
  try {
    server = await listen(app, config.ip, config.masterPort);
  } catch (e) {
    driver.stop();
    registry.close();
    throw e;
  }
  let stopping: Promise<void> | null = null;
  const role: RunningRole = {
    stop() {
      stopping ??= (async () => {
        await leadership.stop(Math.min(3000, Math.max(500, config.electionTimeoutMs)));
        driver.stop();
        await server.close();
        registry.close();
      })();
      return stopping;
    },
  };
  stopRole = () => role.stop();
  driver.start();
  logger.info('master listening', { address: `http://${id}`, members: driver.status().voters, learners: driver.status().learners });
  return role;
}

function optionalFaults(): { faults?: ReturnType<typeof faultsFromEnv> } {
  const f = faultsFromEnv();
  return f ? { faults: f } : {};
}
