import path from 'node:path';
import { Hono } from 'hono';
import { VERSION, BUILD_DATE, MESOS_COMPAT_VERSION } from '../domain/version.js';
import { TsmesosError } from '../domain/errors.js';
import type { Logger } from '../lib/log.js';
import type { Agent } from '../agent/agent.js';
import { agentState } from '../agent/state-json.js';
import { createFilesApp } from '../agent/files-api.js';
import { agentsDir } from '../agent/paths.js';
import { installErrorHandling } from './http-errors.js';

export interface AgentIdentity {
  ip: string;
  port: number;
  hostname: string;
  workDir: string;
  flags: Record<string, string>;
}

/** The agent's HTTP surface: `/health`, `/state` (Mesos legacy shape), `/files/*`, `/version`, `/flags`. */
export function agentApp(agent: Agent, self: AgentIdentity, log: Logger): Hono {
  const app = new Hono();
  installErrorHandling(app, log);
  app.get('/health', (c) => c.body(null, 200));
  app.get('/version', (c) => c.json({ version: MESOS_COMPAT_VERSION, tsmesos_version: VERSION, build_date: BUILD_DATE, build_time: 0, build_user: '' }));
  app.get('/flags', (c) => c.json({ flags: self.flags }));
  for (const p of ['/state', '/state.json', '/slave(1)/state', '/slave(1)/state.json']) {
    app.get(p, (c) => {
      if (agent.agentId === undefined) throw new TsmesosError('UNAVAILABLE', 'agent has not registered with a master yet');
      return c.json(agentState(agent, self.workDir, self));
    });
  }
  app.route('/', createFilesApp({ roots: () => [path.resolve(agentsDir(self.workDir))], logger: log }));
  return app;
}
