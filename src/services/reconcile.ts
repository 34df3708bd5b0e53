// The pure core of the services scheduler: from what should run (apps) and what runs
// (instances), the actions that close the gap. No clock, no I/O: `now` and the launch delays
// come in, actions go out; the driver (driver.ts) executes them and feeds back what happened.
//
// Rules (Marathon's): an instance belongs to the config version it was launched with; while
// instances of an older config exist the app is in a rolling upgrade that keeps at least
// ceil(n * minimumHealthCapacity) healthy instances and at most n + floor(n * maximumOverCapacity)
// instances in all; otherwise the app is scaled to n, killing by killSelection. Instances whose
// app no longer exists are killed. An instance already asked to die counts for nothing.

export type InstanceState = 'PENDING' | 'STAGING' | 'STARTING' | 'RUNNING' | 'KILLING' | 'UNREACHABLE';

export interface ObservedInstance {
  taskId: string;
  appId: string;
  agentId: string;
  /** The app's lastConfigChangeAt when this instance was launched. */
  configVersion: string;
  launchedAt: number;
  /** PENDING: recorded and launched (or about to be), no status seen yet (e.g. right after a failover). */
  state: InstanceState;
  /** TaskStatus.healthy when the task has health checks; undefined when nothing was reported. */
  healthy?: boolean;
  /** The task runs a health check: until it reports healthy, the instance is not (Marathon's readiness for deployments). */
  healthChecked?: boolean;
  /** A kill was sent and the task has not ended yet. */
  killRequested: boolean;
  /** Wall-clock ms since the instance is TASK_UNREACHABLE. */
  unreachableSince?: number;
}

export interface DesiredApp {
  id: string;
  instances: number;
  configVersion: string;
  minimumHealthCapacity: number;
  maximumOverCapacity: number;
  killSelection: 'YOUNGEST_FIRST' | 'OLDEST_FIRST';
  /** Marathon's unreachableStrategy in ms; null: disabled (an unreachable instance is waited for forever). */
  unreachable: { inactiveAfterMs: number; expungeAfterMs: number } | null;
}

export type Action =
  | { type: 'launch'; appId: string; count: number }
  | { type: 'kill'; appId: string; taskId: string; agentId: string; reason: 'scale-down' | 'upgrade' | 'app-removed' }
  /** Unreachable past expungeAfterSeconds: forget it (and kill it should it come back). */
  | { type: 'expunge'; appId: string; taskId: string; agentId: string }
  /** Instances are missing but the app's launch delay (backoff) has not passed. */
  | { type: 'wait'; appId: string; until: number; missing: number };

export interface ReconcileResult {
  actions: Action[];
  /** Apps running exactly their desired instances of their current config, all healthy, nothing dying. */
  converged: Set<string>;
  /** App ids (also of removed apps) that still have instances, dying ones included. */
  withInstances: Set<string>;
}

/**
 * Healthy for capacity: RUNNING and, when it runs a health check, reported healthy (Marathon: a
 * new instance with checks counts only after its first passing check). An instance without a
 * check counts unless something reported it unhealthy.
 */
export const isHealthy = (i: Pick<ObservedInstance, 'state' | 'healthy' | 'healthChecked'>): boolean =>
  i.state === 'RUNNING' && (i.healthChecked === true ? i.healthy === true : i.healthy !== false);

const notRunningFirst = (a: ObservedInstance, b: ObservedInstance): number => Number(isHealthy(a)) - Number(isHealthy(b));

function byKillSelection(list: ObservedInstance[], selection: DesiredApp['killSelection']): ObservedInstance[] {
  return [...list].sort((a, b) => notRunningFirst(a, b) || (selection === 'YOUNGEST_FIRST' ? b.launchedAt - a.launchedAt : a.launchedAt - b.launchedAt) || a.taskId.localeCompare(b.taskId));
}

export function reconcile(apps: readonly DesiredApp[], instances: readonly ObservedInstance[], delays: ReadonlyMap<string, number>, now: number): ReconcileResult {
  const actions: Action[] = [];
  const converged = new Set<string>();
  const withInstances = new Set(instances.map((i) => i.appId));
  const byApp = new Map<string, ObservedInstance[]>();
  for (const i of instances) byApp.set(i.appId, [...(byApp.get(i.appId) ?? []), i]);
  const known = new Set(apps.map((a) => a.id));

  for (const i of instances) {
    if (!known.has(i.appId) && !i.killRequested) actions.push({ type: 'kill', appId: i.appId, taskId: i.taskId, agentId: i.agentId, reason: 'app-removed' });
  }

  for (const app of apps) {
    const mine = byApp.get(app.id) ?? [];
    const unreachableFor = (i: ObservedInstance): number => (i.state === 'UNREACHABLE' && i.unreachableSince !== undefined ? now - i.unreachableSince : -1);
    const strategy = app.unreachable;
    if (strategy !== null) {
      for (const i of mine) {
        if (unreachableFor(i) >= strategy.expungeAfterMs) actions.push({ type: 'expunge', appId: app.id, taskId: i.taskId, agentId: i.agentId });
      }
    }
    // Unreachable past inactiveAfterSeconds: no longer counted, so a replacement is launched.
    const inactive = (i: ObservedInstance): boolean => strategy !== null && unreachableFor(i) >= strategy.inactiveAfterMs;
    const alive = mine.filter((i) => !i.killRequested && i.state !== 'KILLING' && !inactive(i));
    const current = alive.filter((i) => i.configVersion === app.configVersion);
    const old = alive.filter((i) => i.configVersion !== app.configVersion);
    const n = app.instances;
    const delayUntil = delays.get(app.id) ?? 0;
    const launch = (count: number): void => {
      if (count <= 0) return;
      if (delayUntil > now) actions.push({ type: 'wait', appId: app.id, until: delayUntil, missing: count });
      else actions.push({ type: 'launch', appId: app.id, count });
    };
    const kill = (list: ObservedInstance[], reason: 'scale-down' | 'upgrade'): void => {
      for (const i of list) actions.push({ type: 'kill', appId: app.id, taskId: i.taskId, agentId: i.agentId, reason });
    };

    if (current.length > n) kill(byKillSelection(current, app.killSelection).slice(0, current.length - n), 'scale-down');
    const keptCurrent = Math.min(current.length, n);

    if (old.length === 0) {
      launch(n - keptCurrent);
    } else {
      const maxTotal = n + Math.floor(n * app.maximumOverCapacity);
      const minHealthy = Math.ceil(n * app.minimumHealthCapacity);
      launch(Math.min(n - keptCurrent, maxTotal - keptCurrent - old.length));
      const healthyCurrent = current.slice(0, n).filter(isHealthy).length;
      const sorted = byKillSelection(old, 'OLDEST_FIRST');
      // Old instances that are not healthy cost no capacity; healthy ones only above the floor.
      let spare = healthyCurrent + old.filter(isHealthy).length - minHealthy;
      // Once n current instances are healthy, every old one goes.
      if (healthyCurrent >= n) spare = old.length;
      const victims = sorted.filter((i) => {
        if (!isHealthy(i)) return true;
        if (spare <= 0) return false;
        spare--;
        return true;
      });
      kill(victims, 'upgrade');
    }

    const dying = mine.some((i) => i.killRequested || i.state === 'KILLING');
    if (old.length === 0 && current.length === n && current.every(isHealthy) && !dying) converged.add(app.id);
  }
  return { actions, converged, withInstances };
}

/**
 * Apps whose turn has not come in ordered deployments (Marathon's dependency steps): while an app
 * of a step is not settled, every app of the later steps is held (no launches, no kills).
 */
export function heldApps(plans: readonly (readonly (readonly string[])[])[], settled: (appId: string) => boolean): Set<string> {
  const held = new Set<string>();
  for (const steps of plans) {
    let blocked = false;
    for (const step of steps) {
      if (blocked) for (const a of step) held.add(a);
      else if (!step.every(settled)) blocked = true;
    }
  }
  return held;
}

/** Marathon's launch backoff: backoffSeconds * backoffFactor^(failures-1), capped at maxLaunchDelaySeconds (in ms). */
export function launchDelayMs(failures: number, app: { backoffSeconds: number; backoffFactor: number; maxLaunchDelaySeconds: number }): number {
  if (failures <= 0) return 0;
  const seconds = Math.min(app.maxLaunchDelaySeconds, app.backoffSeconds * app.backoffFactor ** Math.min(failures - 1, 1000));
  return Math.round(seconds * 1000);
}
