// Marathon's JSON shapes of apps, tasks and deployments (apps.raml, tasks.raml, deployments.raml).
import type { AppRecord, DeploymentPlan, GroupRecord, InstanceRecord } from './model.js';
import { isHealthy, type InstanceState } from './reconcile.js';
import type { TaskFailure } from './driver.js';
import { servicePortsOf } from './service-ports.js';

export type LiveInstance = InstanceRecord & { state: InstanceState; healthy?: boolean; startedAt?: number; health?: HealthRecord };

/** What the instance's health reports said (Marathon's healthCheckResults entry). */
export interface HealthRecord {
  consecutiveFailures: number;
  lastSuccess?: number;
  lastFailure?: number;
  lastFailureCause?: string;
}

const MARATHON_STATE: Record<InstanceState, string> = {
  PENDING: 'TASK_STAGING', STAGING: 'TASK_STAGING', STARTING: 'TASK_STARTING', RUNNING: 'TASK_RUNNING', KILLING: 'TASK_KILLING', UNREACHABLE: 'TASK_UNREACHABLE',
};

export function taskJson(i: LiveInstance, servicePorts: readonly number[] = []): Record<string, unknown> {
  return {
    id: i.taskId,
    appId: i.appId,
    host: i.hostname,
    slaveId: i.agentId,
    ports: i.hostPorts,
    servicePorts,
    stagedAt: new Date(i.launchedAt).toISOString(),
    ...(i.startedAt !== undefined ? { startedAt: new Date(i.startedAt).toISOString() } : {}),
    version: i.version,
    state: MARATHON_STATE[i.state],
    healthCheckResults: i.healthy !== undefined ? [healthResultJson(i, i.healthy)] : [],
  };
}

const iso = (ms: number | undefined): string | null => (ms !== undefined ? new Date(ms).toISOString() : null);

function healthResultJson(i: LiveInstance, alive: boolean): Record<string, unknown> {
  const h = i.health;
  return {
    alive, consecutiveFailures: h?.consecutiveFailures ?? 0, firstSuccess: null, lastSuccess: iso(h?.lastSuccess), lastFailure: iso(h?.lastFailure),
    lastFailureCause: h?.lastFailureCause ?? null, taskId: i.taskId, instanceId: i.taskId,
  };
}

/** What an app view embeds beyond the definition (Marathon's AppInfo.Embed). */
export type AppEmbed = 'tasks' | 'deployments' | 'readiness' | 'counts' | 'lastTaskFailure' | 'taskStats';

/** Embed values read from one query at most; the rest are ignored like the unknown ones. */
export const MAX_EMBEDS = 64;
const APP_EMBED_PREFIXES = ['group.apps.', 'apps.', 'app.'];

/**
 * Marathon's InfoEmbedResolver.resolveApp: `tasks`, `counts`, ... with any of the prefixes
 * `group.apps.`, `apps.`, `app.` or none; `tasks` brings `deployments` along (deprecated
 * behaviour Marathon keeps) and `failures` means tasks, lastTaskFailure and deployments. Unknown values are ignored.
 */
export function appEmbeds(embed: readonly string[]): Set<AppEmbed> {
  const out = new Set<AppEmbed>();
  for (const e of embed.slice(0, MAX_EMBEDS)) {
    const prefix = APP_EMBED_PREFIXES.find((p) => e.startsWith(p)) ?? '';
    switch (e.slice(prefix.length)) {
      case 'tasks': out.add('tasks').add('deployments'); break;
      case 'failures': out.add('tasks').add('lastTaskFailure').add('deployments'); break;
      case 'deployments': out.add('deployments'); break;
      case 'readiness': out.add('readiness'); break;
      case 'lastTaskFailure': out.add('lastTaskFailure'); break;
      case 'counts': out.add('counts'); break;
      case 'taskStats': out.add('taskStats'); break;
      default: break;
    }
  }
  return out;
}

export interface GroupEmbed {
  groups: boolean;
  apps: boolean;
  pods: boolean;
  app: ReadonlySet<AppEmbed>;
}

/**
 * Marathon's GroupsResource embeds: none given means group.groups, group.apps, group.pods (and
 * bare app definitions); otherwise only what is named (`group.apps.tasks` alone embeds no apps).
 */
export function groupEmbeds(embed: readonly string[]): GroupEmbed {
  const given = embed.slice(0, MAX_EMBEDS);
  if (given.length === 0) return { groups: true, apps: true, pods: true, app: new Set() };
  return {
    groups: given.includes('group.groups'),
    apps: given.includes('group.apps'),
    pods: given.includes('group.pods'),
    app: appEmbeds(given.filter((e) => e.startsWith('group.apps.'))),
  };
}

interface Counts { staged: number; running: number; healthy: number; unhealthy: number }

function countsOf(instances: readonly LiveInstance[], withChecks: boolean): Counts {
  const running = instances.filter((i) => i.state === 'RUNNING');
  return {
    staged: instances.filter((i) => i.state === 'PENDING' || i.state === 'STAGING' || i.state === 'STARTING').length,
    running: running.length,
    healthy: withChecks ? running.filter((i) => isHealthy(i)).length : 0,
    unhealthy: withChecks ? running.filter((i) => i.healthy === false).length : 0,
  };
}

/**
 * Marathon's TaskStatsByVersion: counts and life times (seconds since staging, Marathon's
 * TaskLifeTime) of all tasks, of those of a version at or after the last scaling, of the
 * latest config and of older ones; a category without tasks is left out.
 */
export function taskStatsJson(rec: AppRecord, instances: readonly LiveInstance[], now: number): Record<string, unknown> {
  const withChecks = rec.app.healthChecks.length > 0;
  const stats = (list: readonly LiveInstance[]): Record<string, unknown> | undefined => {
    if (list.length === 0) return undefined;
    const c = countsOf(list, withChecks);
    const lives = list.map((i) => Math.max(0, (now - i.launchedAt) / 1000)).sort((a, b) => a - b);
    return { stats: { counts: c, lifeTime: { averageSeconds: lives.reduce((a, b) => a + b, 0) / lives.length, medianSeconds: lives[Math.floor(lives.length / 2)]! } } };
  };
  const { lastScalingAt, lastConfigChangeAt } = rec.versionInfo;
  const out: Record<string, unknown> = {};
  const put = (k: string, v: Record<string, unknown> | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  put('startedAfterLastScaling', stats(instances.filter((i) => i.version >= lastScalingAt)));
  put('withLatestConfig', stats(instances.filter((i) => i.version >= lastConfigChangeAt)));
  put('withOutdatedConfig', stats(instances.filter((i) => i.version < lastConfigChangeAt)));
  put('totalSummary', stats(instances));
  return out;
}

/** Embeds every app view of /v2/apps carries whatever is asked (Marathon's AppsResource.index). */
export const APPS_LIST_EMBEDS: readonly AppEmbed[] = ['counts', 'deployments'];
/** Embeds of GET /v2/apps/{id} (AppsResource.show). */
export const APP_SHOW_EMBEDS: readonly AppEmbed[] = ['counts', 'tasks', 'lastTaskFailure', 'deployments'];

/** An app as Marathon's AppInfo shows it: the definition, its version info, and what `embed` asks for. */
export function appJson(
  rec: AppRecord, instances: readonly LiveInstance[], deployments: readonly DeploymentPlan[],
  opts: { embed: ReadonlySet<AppEmbed>; lastTaskFailure?: TaskFailure | undefined; now?: number },
): Record<string, unknown> {
  const e = opts.embed;
  const c = e.has('counts') ? countsOf(instances, rec.app.healthChecks.length > 0) : undefined;
  return {
    ...rec.app,
    fetch: rec.app.fetch ?? [],
    version: rec.version,
    versionInfo: rec.versionInfo,
    ...(c ? { tasksStaged: c.staged, tasksRunning: c.running, tasksHealthy: c.healthy, tasksUnhealthy: c.unhealthy } : {}),
    ...(e.has('deployments') ? { deployments: deployments.map((d) => ({ id: d.id })) } : {}),
    // tsmesos has no readiness checks, so no instance ever has a result.
    ...(e.has('readiness') ? { readinessCheckResults: [] } : {}),
    ...(e.has('tasks') ? { tasks: instances.map((i) => taskJson(i, servicePortsOf(rec.app))) } : {}),
    ...(e.has('lastTaskFailure') && opts.lastTaskFailure ? { lastTaskFailure: opts.lastTaskFailure } : {}),
    ...(e.has('taskStats') ? { taskStats: taskStatsJson(rec, instances, opts.now ?? Date.now()) } : {}),
  };
}

export function deploymentJson(d: DeploymentPlan): Record<string, unknown> {
  const actions = d.apps !== undefined ? d.apps.map((a) => ({ action: a.action, app: a.appId })) : [{ action: d.action, app: d.appId }];
  // Ordered group deployments list their steps; the apps no step names (stops) come last.
  const ordered = new Set((d.steps ?? []).flat());
  const rest = actions.filter((a) => !ordered.has(a.app));
  const steps = [...(d.steps ?? []).map((step) => actions.filter((a) => step.includes(a.app))), ...(rest.length > 0 ? [rest] : [])].map((a) => ({ actions: a }));
  return {
    id: d.id,
    version: d.version,
    affectedApps: actions.map((a) => a.app),
    affectedPods: [],
    steps,
    currentActions: actions.map((a) => ({ ...a, readinessCheckResults: [] })),
    currentStep: steps.length > 0 ? 1 : 0,
    totalSteps: steps.length,
  };
}

export interface GroupJson {
  id: string;
  apps: Record<string, unknown>[];
  groups: GroupJson[];
  pods: unknown[];
  dependencies: string[];
  version?: string;
  enforceRole?: boolean;
}

/** Marathon's group tree: the explicit groups, and those the app ids imply (`/prod/web` lives in group `/prod`). */
export function groupTree(apps: readonly { id: string; json: Record<string, unknown>; version: string }[], explicit: readonly GroupRecord[] = []): GroupJson {
  const root: GroupJson = { id: '/', apps: [], groups: [], pods: [], dependencies: [] };
  const byId = new Map<string, GroupJson>([['/', root]]);
  const groupOf = (id: string): GroupJson => {
    const existing = byId.get(id);
    if (existing) return existing;
    const parentId = id.slice(0, id.lastIndexOf('/')) || '/';
    const g: GroupJson = { id, apps: [], groups: [], pods: [], dependencies: [] };
    byId.set(id, g);
    groupOf(parentId).groups.push(g);
    return g;
  };
  for (const e of [...explicit].sort((x, y) => x.id.localeCompare(y.id))) {
    const g = groupOf(e.id);
    g.dependencies = e.dependencies;
    g.version = e.version;
    if (e.enforceRole !== undefined) g.enforceRole = e.enforceRole;
  }
  for (const a of [...apps].sort((x, y) => x.id.localeCompare(y.id))) {
    const g = groupOf(a.id.slice(0, a.id.lastIndexOf('/')) || '/');
    g.apps.push(a.json);
    // A group's version is its newest app's.
    for (let p: string | null = g.id; p !== null; p = p === '/' ? null : p.slice(0, p.lastIndexOf('/')) || '/') {
      const gg = byId.get(p)!;
      if (gg.version === undefined || gg.version < a.version) gg.version = a.version;
    }
  }
  const sortGroups = (g: GroupJson): void => {
    g.groups.sort((x, y) => x.id.localeCompare(y.id));
    g.groups.forEach(sortGroups);
  };
  sortGroups(root);
  return root;
}

/** The group `id` within the tree, or undefined. */
export function findGroup(root: GroupJson, id: string): GroupJson | undefined {
  if (root.id === id) return root;
  for (const g of root.groups) {
    const found = findGroup(g, id);
    if (found) return found;
  }
  return undefined;
}

/** The group as GroupInfo shows it with Marathon's group embeds: apps, pods and child groups only when embedded. */
export function groupView(g: GroupJson, embed: GroupEmbed): Record<string, unknown> {
  return {
    id: g.id,
    ...(embed.apps ? { apps: g.apps } : {}),
    ...(embed.pods ? { pods: g.pods } : {}),
    ...(embed.groups ? { groups: g.groups.map((c) => groupView(c, embed)) } : {}),
    dependencies: g.dependencies,
    ...(g.version !== undefined ? { version: g.version } : {}),
    ...(g.enforceRole !== undefined ? { enforceRole: g.enforceRole } : {}),
  };
}
