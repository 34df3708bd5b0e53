import path from 'node:path';
import { redirectPlainToHttps } from './api-tls.js';
import { Hono } from 'hono';
import { VERSION, BUILD_DATE, MESOS_COMPAT_VERSION } from '../domain/version.js';
import { TsmesosError } from '../domain/errors.js';
import type { Logger } from '../lib/log.js';
import type { Agent } from '../agent/agent.js';
import { agentState } from '../agent/state-json.js';
import { monitorStatistics } from '../agent/monitor.js';
import { createFilesApp } from '../agent/files-api.js';
import { agentsDir } from '../agent/paths.js';
import { installErrorHandling } from './http-errors.js';
import { readOnlyCors } from './read-cors.js';
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import type { SandboxGc } from '../agent/sandbox-gc.js';
import { agentMetrics } from '../agent/metrics.js';
import { AgentOperatorCalls } from '../agent/operator-calls.js';
import { agentMetricsApp, agentOperatorApp } from './agent-operator.js';
import { loggingToggleApp, requestLog } from './logging-toggle.js';

export interface AgentIdentity {
  ip: string;
  port: number;
  hostname: string;
  workDir: string;
  flags: Record<string, string>;
}

export interface AgentAppDeps {
  clock?: Clock;
  gc?: SandboxGc;
  httpsRedirect?: { https: () => boolean; self: { ip: string; port: number } };
}

/**
 * The agent's HTTP surface: `/health`, `/state` (Mesos legacy shape), `/files/*`, `/monitor/statistics`, `/version`, `/flags`,
 * `POST /api/v1` (the agent operator API), `/metrics/snapshot` and Prometheus `/metrics`;
 * `GET /` redirects to this agent's page on the leading master's web UI.
 */
export function agentApp(agent: Agent, self: AgentIdentity, log: Logger, deps: AgentAppDeps = {}): Hono {
  const app = new Hono();
  installErrorHandling(app, log);
  app.use('*', requestLog(log));
  // --api-tls: a joined agent serves its API over HTTPS with its certificate; plain HTTP is redirected.
  if (deps.httpsRedirect) app.use('*', redirectPlainToHttps(deps.httpsRedirect.https, deps.httpsRedirect.self));
  const clock = deps.clock ?? systemClock;
  // The web UI (served by the masters) reads /state and the sandboxes straight from the agent.
  for (const p of ['/state', '/state.json', '/slave(1)/state', '/slave(1)/state.json', '/files/*', '/flags', '/health', '/version', '/monitor/statistics', '/monitor/statistics.json', '/metrics/snapshot']) app.use(p, readOnlyCors());
  app.get('/', (c) => {
    // The link is to the master this agent is subscribed to: the leader (it follows the 307s).
    const master = agent.masterAddress;
    if (master === null) throw new TsmesosError('UNAVAILABLE', 'this agent is not connected to a master yet; its page is on the leading master\'s web UI (port 5050) once it is');
    const page = agent.agentId === undefined ? '#/agents' : `#/agents/${encodeURIComponent(agent.agentId)}`;
    c.header('Location', `//${master}/${page}`);
    return c.body(null, 307);
  });
  app.get('/health', (c) => c.body(null, 200));
  app.get('/version', (c) => c.json({ version: MESOS_COMPAT_VERSION, tsmesos_version: VERSION, build_date: BUILD_DATE, build_time: 0, build_user: '' }));
  app.get('/flags', (c) => c.json({ flags: self.flags }));
  for (const p of ['/state', '/state.json', '/slave(1)/state', '/slave(1)/state.json']) {
    app.get(p, (c) => {
      if (agent.agentId === undefined) throw new TsmesosError('UNAVAILABLE', 'agent has not registered with a master yet');
      return c.json(agentState(agent, self.workDir, self));
    });
  }
  for (const p of ['/monitor/statistics', '/monitor/statistics.json']) {
    app.get(p, async (c) => c.json(await monitorStatistics(agent.frameworks.values(), (id) => agent.usage(id))));
  }
  app.route('/', agentOperatorApp(new AgentOperatorCalls({
    agent, workDir: self.workDir, clock, flags: self.flags, hostname: self.hostname, port: self.port, verbosity: log.verbosity, ...(deps.gc ? { gc: deps.gc } : {}),
  })));
  app.route('/', loggingToggleApp(log.verbosity));
  app.route('/', agentMetricsApp(() => agentMetrics(agent, clock, deps.gc?.stats())));
  app.route('/', createFilesApp({ roots: () => [path.resolve(agentsDir(self.workDir))], logger: log }));
  return app;
}
