// Pure: the v1 TaskInfo of one instance, with Marathon's environment (PORT0.., PORTS, HOST,
// MARATHON_APP_*) so tutorials' `python3 -m http.server $PORT0` work unchanged.
import type { TaskInfo } from '../scheduler-client/client.js';
import type { CommandInfo } from '../wire/mesos.js';
import type { AppDefinition } from './app-schema.js';
import type { PlannedTask } from './offer-match.js';

/** Marathon's task id form: the app id's path with '_' for '/', a dot, a uuid (`prod_web.5f3c...`). */
export const taskIdFor = (appId: string, uuid: string): string => `${appId.slice(1).replace(/\//g, '_')}.${uuid}`;

/** The app a task id belongs to, as far as the id tells (null when it is not one of ours). */
export function appIdOfTask(taskId: string): string | null {
  const dot = taskId.lastIndexOf('.');
  return dot > 0 ? `/${taskId.slice(0, dot).replace(/_/g, '/')}` : null;
}

export function taskEnvironment(app: AppDefinition, version: string, hostname: string, hostPorts: readonly number[]): Record<string, string> {
  const env: Record<string, string> = { ...app.env };
  const bridge = app.container?.docker?.network === 'BRIDGE';
  hostPorts.forEach((p, i) => {
    env[`PORT${i}`] = String(p);
    const name = bridge ? app.container?.portMappings?.[i]?.name : app.portDefinitions[i]?.name;
    if (name !== undefined) env[`PORT_${name.toUpperCase().replace(/-/g, '_')}`] = String(p);
  });
  if (hostPorts.length > 0) {
    env['PORT'] = String(hostPorts[0]);
    env['PORTS'] = hostPorts.join(',');
  }
  env['HOST'] = hostname;
  env['MARATHON_APP_ID'] = app.id;
  env['MARATHON_APP_VERSION'] = version;
  env['MARATHON_APP_RESOURCE_CPUS'] = String(app.cpus);
  env['MARATHON_APP_RESOURCE_MEM'] = String(app.mem);
  env['MARATHON_APP_RESOURCE_DISK'] = String(app.disk);
  env['MARATHON_APP_RESOURCE_GPUS'] = String(app.gpus);
  const labels = Object.keys(app.labels);
  if (labels.length > 0) env['MARATHON_APP_LABELS'] = labels.join(' ');
  return env;
}

export function buildTaskInfo(plan: PlannedTask, opts: { taskId: string; agentId: string; hostname: string; version: string }): TaskInfo {
  const { app } = plan;
  const environment = { variables: Object.entries(taskEnvironment(app, opts.version, opts.hostname, plan.hostPorts)).map(([name, value]) => ({ name, value })) };
  const user = app.user !== undefined ? { user: app.user } : {};
  const uris = commandUris(app);
  const command = app.cmd !== undefined
    ? { shell: true, value: app.cmd, arguments: [], uris, environment, ...user }
    : app.args !== undefined && app.args.length > 0
      ? { shell: false, value: app.args[0]!, arguments: app.args, uris, environment, ...user }
      : { shell: false, arguments: [], uris, environment, ...user };
  const docker = app.container?.type === 'DOCKER' ? app.container.docker : undefined;
  return {
    name: app.id.slice(1).split('/').reverse().join('.'),
    task_id: { value: opts.taskId },
    agent_id: { value: opts.agentId },
    resources: plan.resources,
    command,
    ...(docker !== undefined ? {
      container: {
        type: 'DOCKER' as const,
        volumes: [],
        docker: {
          image: docker.image, network: docker.network ?? 'HOST', port_mappings: portMappingsOf(app, plan.hostPorts), privileged: docker.privileged,
          parameters: docker.parameters, force_pull_image: docker.forcePullImage,
        },
      },
    } : {}),
    ...healthCheckOf(app, plan.hostPorts),
    ...(app.taskKillGracePeriodSeconds !== undefined ? { kill_policy: { grace_period: { nanoseconds: app.taskKillGracePeriodSeconds * 1e9 } } } : {}),
    ...(Object.keys(app.labels).length > 0 ? { labels: { labels: Object.entries(app.labels).map(([key, value]) => ({ key, value })) } } : {}),
  };
}

/** Bridge networking: each mapping publishes its container port (0: the same as the host port) on the assigned host port. */
export function portMappingsOf(app: AppDefinition, hostPorts: readonly number[]): { host_port: number; container_port: number; protocol: string }[] {
  if (app.container?.docker?.network !== 'BRIDGE') return [];
  return (app.container.portMappings ?? []).flatMap((m, i) => {
    const host = hostPorts[i];
    if (host === undefined) return [];
    // Mesos maps one protocol per entry: 'udp,tcp' publishes both.
    return m.protocol.split(',').map((protocol) => ({ host_port: host, container_port: m.containerPort === 0 ? host : m.containerPort, protocol }));
  });
}

/** The app's `fetch` artifacts as CommandInfo.uris (the agent's fetcher puts them in the sandbox). */
export function commandUris(app: AppDefinition): CommandInfo['uris'] {
  return (app.fetch ?? []).map((a) => ({
    value: a.uri, extract: a.extract, executable: a.executable, cache: a.cache, ...(a.destPath !== undefined ? { output_file: a.destPath } : {}),
  }));
}

/**
 * The app's first health check as the task's Mesos health check, run by the agent (Marathon runs
 * HTTP/HTTPS/TCP checks itself and MESOS_* ones on the agent; here every kind runs on the agent,
 * which Mesos allows once per task, so later checks are validated but not run). The port is the
 * instance's host port at `portIndex` (default 0) unless `port` names one; Marathon's
 * maxConsecutiveFailures 0 (never kill) becomes the largest count Mesos takes.
 */
export function healthCheckOf(app: AppDefinition, hostPorts: readonly number[]): { health_check?: NonNullable<TaskInfo['health_check']> } {
  const h = app.healthChecks[0];
  if (h === undefined) return {};
  const timing = {
    delay_seconds: h.delaySeconds, interval_seconds: h.intervalSeconds, timeout_seconds: h.timeoutSeconds,
    grace_period_seconds: h.gracePeriodSeconds, consecutive_failures: h.maxConsecutiveFailures === 0 ? 4_294_967_295 : h.maxConsecutiveFailures,
  };
  if (h.protocol === 'COMMAND') return { health_check: { type: 'COMMAND', ...timing, command: { shell: true, value: h.command?.value ?? 'true', arguments: [], uris: [] } } };
  const port = h.port ?? hostPorts[h.portIndex ?? 0];
  if (port === undefined) return {};
  if (h.protocol === 'TCP' || h.protocol === 'MESOS_TCP') return { health_check: { type: 'TCP', ...timing, tcp: { port } } };
  const scheme = h.protocol === 'HTTPS' || h.protocol === 'MESOS_HTTPS' ? 'https' : 'http';
  return { health_check: { type: 'HTTP', ...timing, http: { scheme, port, path: h.path ?? '/', statuses: [] } } };
}
