import path from 'node:path';
import { apiTlsOn, isLoopbackIp, type RoleConfig } from './config.js';
import { agentApp } from '../api/agent-app.js';
import { systemClock } from '../lib/clock.js';
import { systemRng } from '../lib/rng.js';
import type { Logger } from '../lib/log.js';
import { listen, type RunningServer } from '../lib/http-server.js';
import { HttpClient } from '../lib/http-client.js';
import { CertificateRenewer } from '../security/renewal.js';
import { writeNodeTls } from '../security/files.js';
import { Resources } from '../domain/resources.js';
import { detectResources, readHostFacts } from '../agent/detect.js';
import { Agent } from '../agent/agent.js';
import { checkBoot } from '../agent/boot.js';
import { SandboxGc } from '../agent/sandbox-gc.js';
import { posixContainersDir } from '../agent/paths.js';
import { readBootId } from '../containerizer/posix-recovery.js';
import { PosixContainerizer } from '../containerizer/posix.js';
import { DockerContainerizer } from '../containerizer/docker.js';
import { ComposingContainerizer } from '../containerizer/composing.js';
import { cgroupRootName, chooseIsolation } from '../containerizer/isolation.js';
import type { CgroupsIsolator } from '../containerizer/cgroups.js';
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
  // After a reboot nothing checkpointed runs any more: start clean (as Mesos).
  const bootId = readBootId();
  if (checkBoot(workDir, bootId) === 'rebooted') logger.warn('the host rebooted since the last run: forgetting the checkpointed tasks (the master reports them gone)');
  const members: Containerizer[] = [];
  let cgroups: CgroupsIsolator | undefined;
  for (const name of deps.containerizer ? [] : config.containerizers) {
    if (name === 'posix') {
      const choice = chooseIsolation(config.isolation, cgroupRootName(workDir));
      if (choice.fallbackReason !== undefined) logger.info('cgroups not writable; posix isolation (accounting only)', { reason: choice.fallbackReason });
      cgroups = choice.isolator;
      const posix = new PosixContainerizer({ logger, switchUser: config.switchUser, stateDir: posixContainersDir(workDir), bootId, ...(cgroups ? { cgroups } : {}) });
      logger.info('posix containerizer', { isolation: posix.isolation });
      members.push(posix);
    } else {
      // Mesos refuses to start an agent whose docker containerizer cannot reach the engine; so do we.
      const docker = new DockerContainerizer({ logger, agentLabel: workDir });
      logger.info('docker containerizer', { engine: await docker.ping() });
      members.push(docker);
    }
  }
  const containerizer = deps.containerizer ?? new ComposingContainerizer(members);
  const clock = deps.clock ?? systemClock;
  // A joined agent renews its certificate online and uses the new one for every new connection.
  const renewer = config.nodeTls && new CertificateRenewer({
    initial: config.nodeTls, role: 'agent', masters: config.masters, localAddress: config.ip, clock, logger: logger.child('tls'),
    onRenewed: (tls) => {
      writeNodeTls(workDir, tls);
      if (apiTls) server?.setTlsCredentials(tls);
    },
  });
  // Ended tasks' sandboxes go after --gc-delay, sooner as the disk fills (Mesos).
  let isLive: (sandbox: string) => boolean = () => true;
  const gc = new SandboxGc({
    workDir, clock, logger: logger.child('gc'), gcDelayMs: config.gcDelayMs, headroom: config.gcDiskHeadroom,
    diskWatchIntervalMs: config.diskWatchIntervalMs, isLive: (p) => isLive(p),
  });
  // --api-tls: HTTPS with the agent's certificate (a joined agent only: a plain one has none).
  const apiTls = apiTlsOn(config.apiTls ?? 'auto', config.ip) && renewer !== undefined;
  if (!apiTls && !isLoopbackIp(config.ip)) {
    logger.warn(config.nodeTls ? `--api-tls off on ${config.ip}, not a loopback address: the agent API (sandboxes included) is plain HTTP on the network` : `this agent has no cluster certificate (not joined with a token): its API on ${config.ip} is plain HTTP`, { ip: config.ip });
  }
  let server: RunningServer | null = null;
  const agent = new Agent({
    workDir, ip: config.ip, port: config.agentPort, hostname: config.hostname, resources, attributes: config.attributes,
    ...(config.domain !== null ? { domain: config.domain } : {}),
    masters: config.masters, containerizer, clock, rng: deps.rng ?? systemRng,
    logger: logger.child('agent'),
    onSandboxDone: (sandbox) => gc.schedule(sandbox),
    ...(renewer ? { http: new HttpClient({ localAddress: config.ip, tls: () => ({ ...renewer.tls, serverRole: 'master' }) }) } : {}),
  });
  isLive = (p) => {
    for (const fw of agent.frameworks.values()) for (const t of fw.tasks.values()) if (t.sandbox !== null && path.resolve(t.sandbox) === p) return true;
    return false;
  };
  const app = agentApp(agent, { ip: config.ip, port: config.agentPort, hostname: config.hostname, workDir, flags: config.flagStrings }, logger.child('agent-http'), {
    clock, gc, ...(apiTls ? { httpsRedirect: { https: () => true, self: { ip: config.ip, port: config.agentPort } } } : {}),
  });
  // Containers of checkpointing frameworks that outlived the previous run are taken back; the rest are killed.
  const recoveryStarted = clock.monotonic();
  const recovered = await containerizer.recover();
  await agent.recover(recovered);
  logger.info('recovery done', { containers: recovered.length, ms: Math.round(clock.monotonic() - recoveryStarted) });
  await gc.start();
  server = await listen(app, config.ip, config.agentPort, { tls: apiTls });
  if (apiTls && renewer) server.setTlsCredentials(renewer.tls);
  agent.start();
  renewer?.start();
  logger.info('agent listening', { address: `${apiTls ? 'https' : 'http'}://${config.ip}:${config.agentPort}`, resources: resources.toString(), masterChannel: config.nodeTls ? 'mutual TLS' : 'plain HTTP' });
  return {
    async stop(opts) {
      renewer?.stop();
      const kept = await agent.stop(2000, { keepTasks: opts?.keepTasks === true });
      await gc.stop();
      await server?.close();
      // Kept tasks stay in their cgroups; the next start adopts them (and removes what is left over).
      if (kept === 0) await cgroups?.removeRoot().catch((err: unknown) => logger.warn('cannot remove the agent cgroups', { err }));
      else logger.info('tasks left running for the next start to recover', { tasks: kept });
    },
  };
}
