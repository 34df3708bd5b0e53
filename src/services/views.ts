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

export function appJson(rec: AppRecord, instances: readonly LiveInstance[], deployments: readonly DeploymentPlan[], opts: { embedTasks: boolean; lastTaskFailure?: TaskFailure }): Record<string, unknown> {
  const running = instances.filter((i) => i.state === 'RUNNING');
  const withChecks = rec.app.healthChecks.length > 0;
  return {
    ...rec.app,
    fetch: rec.app.fetch ?? [],
    version: rec.version,
    versionInfo: rec.versionInfo,
    tasksStaged: instances.filter((i) => i.state === 'PENDING' || i.state === 'STAGING' || i.state === 'STARTING').length,
    tasksRunning: running.length,
    tasksHealthy: withChecks ? running.filter((i) => isHealthy(i)).length : 0,
    tasksUnhealthy: withChecks ? running.filter((i) => i.healthy === false).length : 0,
    deployments: deployments.map((d) => ({ id: d.id })),
    ...(opts.embedTasks ? { tasks: instances.map((i) => taskJson(i, servicePortsOf(rec.app))) } : {}),
    ...(opts.lastTaskFailure ? { lastTaskFailure: opts.lastTaskFailure } : {}),
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
