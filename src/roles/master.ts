import { apiTlsOn, isLoopbackIp, type RoleConfig } from './config.js';
import { marathonOnlyApp, masterApp } from '../api/master-app.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { systemRng, type Rng } from '../lib/rng.js';
import type { Logger } from '../lib/log.js';
import { listen, type RunningServer } from '../lib/http-server.js';
import { HttpClient } from '../lib/http-client.js';
import { Registry } from '../registry/registry.js';
import { Master } from '../master/master.js';
import { RaftDriver, type DriverStatus } from '../consensus/driver.js';
import { RaftLog } from '../ha/raft-command-log.js';
import { RaftLeadership } from '../ha/raft-leadership.js';
import { HttpTransport, faultsFromEnv } from '../consensus/transport.js';
import { raftApp } from '../consensus/http-api.js';
import { ClusterIdentity, type ServerCredentials } from '../security/cluster-identity.js';
import { masterPeerAuth } from '../security/master-peer-auth.js';
import { PrincipalAuthenticator } from '../security/principals.js';
import { FailureThrottle } from '../security/auth-throttle.js';
import { FrameworkRateLimiter } from '../security/rate-limits.js';
import { principalsApp } from '../api/principals-api.js';
import { checkNodeCertificate, keyMatchesCertificate } from '../security/ca.js';
import { readNodeTls } from '../security/files.js';
import { JoinService } from '../security/join-service.js';
import { joinApp } from '../api/join-api.js';
import { renewApp } from '../api/renew-api.js';
import path from 'node:path';
import os from 'node:os';
import { ServicesHandle, servicesLeaderService } from '../services/leader-service.js';
import { inProcessTransport } from '../scheduler-client/transport.js';
import { UsageHistory, sampleUsage } from '../master/usage-history.js';
import { clusterInfoApp } from '../api/cluster-info-api.js';
import { logFileIn } from '../lib/log.js';

/** The overview chart's sampling: every 10 s over the last hour (TSMESOS_USAGE_SAMPLE_MS: tests sample faster). */
function usageSampleMs(): number {
  const raw = process.env['TSMESOS_USAGE_SAMPLE_MS'];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(n) && n >= 100 && n <= 3600_000 ? n : 10_000;
}

/** Time and randomness of a role; tests inject a manual clock. Default: the system ones. */
export interface RoleDeps {
  clock?: Clock;
  rng?: Rng;
}

export interface StopOptions {
  /** An agent leaves the tasks of checkpointing frameworks running, for its next start to recover (Mesos's agent on SIGTERM). */
  keepTasks?: boolean;
}

export interface RunningRole {
  /** Graceful stop: no new work, streams closed, registry flushed. */
  stop(opts?: StopOptions): Promise<void>;
}

export interface RunningMaster extends RunningRole {
  /** The cluster CA certificate once the registry has one. */
  clusterCaPem(): string | undefined;
  /**
   * A one-use agent join token, once this master leads and the cluster CA exists (waits up to
   * `timeoutMs`): how `--role all` joins its own agent through the real join path.
   */
  createLocalJoinToken(timeoutMs?: number): Promise<string>;
}

/**
 * Composition root of a master: registry + Raft driver + leadership-gated master services
 * + HTTP. Wiring only. Every master (also `--role all`) runs on the Raft log; without
 * --peers it is a one-member cluster that grows as masters join with tokens (`tsmesos join --role master`).
 */
export async function startMaster(config: RoleConfig, logger: Logger, deps: RoleDeps = {}): Promise<RunningMaster> {
  const clock = deps.clock ?? systemClock;
  const rng = deps.rng ?? systemRng;
  const registry = Registry.open(path.join(config.dataDir, 'master'));
  const id = `${config.ip}:${config.masterPort}`;
  const peers = config.peers;
  // Listed (or no list): a founding member. Not listed: joins an existing cluster when added.
  const bootstrapVoters = peers.length === 0 ? [id] : peers.includes(id) ? peers : [];
  const raftLogger = logger.child('raft');
  const masterDir = path.join(config.dataDir, 'master');
  // This master's TLS credentials: from its data dir (a restart, or a master that joined with a
  // token), else once the cluster identity issues them. Raft goes over mutual TLS from then on.
  let creds: ServerCredentials | null = usableMasterTls(readNodeTls(masterDir), id, clock.now());
  const peerHttp = new HttpClient({ localAddress: config.ip, tls: () => (creds ? { ...creds, serverRole: 'master' } : undefined) });
  const joins = new JoinService({
    registry, clock, rng, masters: () => [...driver.status().voters],
    // A master that joins with a token enters as a learner (promoted once caught up).
    addMaster: (node) => driver.proposeConfChange({ type: 'addLearner', node }),
  });
  const principals = new PrincipalAuthenticator({ principal: (n) => registry.principal(n), isAdminToken: (t) => joins.isAdmin(`Bearer ${t}`) });
  const httpAuth = { authenticateFrameworks: config.authenticateFrameworks ?? false, authenticateReadwrite: config.authenticateHttpReadwrite ?? false, authenticateReadonly: config.authenticateHttpReadonly ?? false, authenticator: principals, acls: config.acls ?? null };
  const usage = new UsageHistory(usageSampleMs(), 3600_000);
  const peerAuth = masterPeerAuth({ secured: () => creds !== null || registry.clusterCa() !== undefined, isAdmin: (h) => joins.isAdmin(h) });
  let stopRole: (() => Promise<void>) | null = null;
  let driver: RaftDriver;
  try {
    driver = new RaftDriver({
      id, stateMachine: registry, bootstrapVoters,
      transport: new HttpTransport({ self: id, http: peerHttp, clock, rng, logger: raftLogger, auth: peerAuth, ...optionalFaults() }),
      clock, rng, logger: raftLogger,
      heartbeatIntervalMs: config.heartbeatIntervalMs, electionTimeoutMs: config.electionTimeoutMs,
      onRemoved: ({ confIndex }) => {
        // Serving 503 forever helps nobody: stop and exit 0 (a supervisor should not restart it).
        logger.info('this master was removed from the cluster; exiting. To rejoin, empty its data directory and join it again with `tsmesos join --role master <token>`', { index: confIndex, dataDir: config.dataDir });
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
  let server: RunningServer | null = null;
  let marathon: RunningServer | null = null;
  // --api-tls: the API and UI over HTTPS (plain HTTP redirected) once this master holds its certificate.
  const apiTls = apiTlsOn(config.apiTls ?? 'auto', config.ip);
  const httpsRedirect = { https: () => apiTls && creds !== null, self: { ip: config.ip, port: config.masterPort } };
  // One throttle for the master and Marathon ports: a guesser gains nothing by switching.
  const authFailureLimit = config.authFailureLimit ?? 10;
  const authThrottle = authFailureLimit > 0 ? new FailureThrottle({ burst: authFailureLimit, now: () => clock.monotonic() }) : undefined;
  const identity = new ClusterIdentity({
    registry, dir: masterDir, self: { ip: config.ip, port: config.masterPort }, clock, logger: logger.child('identity'),
    onServerCredentials: (issued) => {
      creds = issued;
      server?.setTlsCredentials(issued);
      if (apiTls) marathon?.setTlsCredentials(issued);
    },
  });
  const leadership = new RaftLeadership({
    driver, self: { hostname: config.hostname, ip: config.ip, port: config.masterPort }, clock, logger: logger.child('leadership'),
    makeMaster: () => {
      const master = new Master({
        ip: config.ip, port: config.masterPort, hostname: config.hostname, registry, log: raftLog,
        ...(config.domain !== null ? { domain: config.domain } : {}),
        clock, rng, logger: logger.child('master'),
        timings: {
          agentReregisterTimeoutMs: config.agentReregisterTimeoutMs, offerTimeoutMs: config.offerTimeoutMs,
          agentHeartbeatMs: config.agentPingTimeoutMs / 3, agentSilenceLimitMs: config.agentPingTimeoutMs * config.maxAgentPingTimeouts,
          maxCompletedFrameworks: config.maxCompletedFrameworks, maxCompletedTasksPerFramework: config.maxCompletedTasksPerFramework,
          agentRemovalRate: config.agentRemovalRate,
        },
        requireAgentDomain: config.requireAgentDomain,
        ...(config.minAllocatableResources !== null ? { allocation: { minAllocatable: config.minAllocatableResources } } : {}),
      });
      // The first leader of a cluster creates its CA (a no-op once the registry has one).
      master.services.register({
        name: 'cluster-ca',
        start: () => identity.bootstrap(raftLog, () => everyVoterFollows(driver.status())),
        stop: () => identity.cancelBootstrap(),
      });
      // The usage history of the overview chart: a sample at once, then every interval.
      let sampler: { cancel(): void } | null = null;
      master.services.register({
        name: 'usage-history',
        start: () => {
          usage.record(sampleUsage(master.ctx, clock.now()));
          sampler = clock.setInterval(() => usage.record(sampleUsage(master.ctx, clock.now())), usage.intervalMs);
        },
        stop: () => {
          sampler?.cancel();
          sampler = null;
        },
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
  const raftHttp = raftApp(driver, { auth: peerAuth, ...(bench ? { benchPropose: () => raftLog.propose({ type: 'NOOP' }) } : {}) });
  const servicesApi = { handle: services, http: new HttpClient({ localAddress: config.ip }) };
  const app = masterApp(
    leadership, { ip: config.ip, port: config.masterPort, hostname: config.hostname, flags: config.flagStrings, logFile: config.logDir !== null ? logFileIn(config.logDir) : null }, logger.child('http'),
    [raftHttp, joinApp({ leadership, registry, joins }), renewApp({ registry, clock }), principalsApp({ leadership, registry, isAdmin: (h) => joins.isAdmin(h), now: () => clock.now() }),
      clusterInfoApp({
        leadership, registry, usage, authenticator: principals, isAdmin: (h) => joins.isAdmin(h), acls: httpAuth.acls,
        authenticateFrameworks: httpAuth.authenticateFrameworks, authenticateReadwrite: httpAuth.authenticateReadwrite,
      })],
    servicesApi,
    {
      refusePlainAgents: () => (config.agentTls ?? 'required') === 'required' && registry.clusterCa() !== undefined, http: httpAuth, httpsRedirect, ...(authThrottle ? { authThrottle } : {}),
      ...(config.rateLimits ? { frameworkRateLimiter: new FrameworkRateLimiter(config.rateLimits, () => clock.monotonic()) } : {}),
      masters: () => [...driver.status().voters, ...driver.status().learners],
    },
  );
  let running: RunningServer;
  if (!apiTls && !isLoopbackIp(config.ip)) {
    logger.warn(`--api-tls off on ${config.ip}, not a loopback address: the API and UI (credentials included) travel in plain HTTP on the network; use --api-tls auto`, { ip: config.ip });
  }
  try {
    running = await listen(app, config.ip, config.masterPort, { tls: true });
    server = running;
    if (creds) running.setTlsCredentials(creds);
  } catch (e) {
    driver.stop();
    registry.close();
    throw e;
  }
  if (config.marathonPort !== 0) {
    try {
      marathon = await listen(marathonOnlyApp(leadership, logger.child('http'), servicesApi, { http: httpAuth, ...(authThrottle ? { authThrottle } : {}), httpsRedirect: { ...httpsRedirect, self: { ip: config.ip, port: config.marathonPort } } }), config.ip, config.marathonPort, { tls: apiTls });
      if (apiTls && creds) marathon.setTlsCredentials(creds);
      logger.info('Marathon API listening', { address: `${apiTls ? 'https' : 'http'}://${config.ip}:${config.marathonPort}` });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (config.marathonPortRequired) {
        driver.stop();
        await running.close();
        registry.close();
        throw new Error(`cannot serve the Marathon API on ${config.ip}:${config.marathonPort}: ${why}`);
      }
      logger.warn('the Marathon API is not on its own port (it stays under /v2 on the master port)', { port: config.marathonPort, error: why });
    }
  }
  let stopping: Promise<void> | null = null;
  const role: RunningMaster = {
    clusterCaPem: () => registry.clusterCa()?.certPem,
    async createLocalJoinToken(timeoutMs = 30_000) {
      const deadline = clock.monotonic() + timeoutMs;
      for (;;) {
        const m = leadership.master();
        if (m && registry.clusterCa()) return (await joins.createToken(m.ctx.log, { role: 'agent', ttlMs: 60_000, maxUses: 1 })).token;
        if (clock.monotonic() > deadline) throw new Error(`this master did not lead with a cluster CA within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 50));
      }
    },
    stop() {
      stopping ??= (async () => {
        await leadership.stop(Math.min(3000, Math.max(500, config.electionTimeoutMs)));
        driver.stop();
        await identity.stop();
        await marathon?.close();
        await running.close();
        registry.close();
      })();
      return stopping;
    },
  };
  stopRole = () => role.stop();
  driver.start();
  identity.start();
  logger.info('master listening', { address: `${apiTls ? 'https' : 'http'}://${id}`, apiTls: apiTls ? 'on' : 'off', members: driver.status().voters, learners: driver.status().learners });
  return role;
}

/** The master certificate in the data dir, if it is this master's and valid now (else the identity issues one). */
function usableMasterTls(files: ServerCredentials | null, id: string, now: number): ServerCredentials | null {
  if (!files) return null;
  const check = checkNodeCertificate(files.certPem, files.caPem, now);
  return check.ok && check.role === 'master' && check.name === id && keyMatchesCertificate(files.keyPem, files.certPem) ? files : null;
}

/** Leader only: every other voter has acknowledged this leader's log (so a founding master is up and following). */
function everyVoterFollows(s: DriverStatus): boolean {
  return s.voters.every((v) => v === s.id || (s.progress?.find((p) => p.id === v)?.match ?? 0) > 0);
}

function optionalFaults(): { faults?: ReturnType<typeof faultsFromEnv> } {
  const f = faultsFromEnv();
  return f ? { faults: f } : {};
}
