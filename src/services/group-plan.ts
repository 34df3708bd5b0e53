// Pure: what a group write does to the apps and group rows there are (Marathon's GroupConversion
// and GroupApiService): a structural update replaces the lists it gives (apps of a group not
// listed are stopped, subgroups not listed are removed with everything in them) and keeps what
// it omits; scaleBy multiplies every app below the group (rounded up); a delete stops every app
// below it. Groups exist explicitly (a row) or because an app lives in them.
import { isConfigChange, type AppDefinition } from './app-schema.js';
import type { DeploymentAction } from './model.js';
import { parentOf, type GroupSpec } from './group-update.js';

export interface GroupRow {
  id: string;
  dependencies: string[];
  /** Kept as it is by every group write but PATCH. */
  enforceRole?: boolean;
}

export interface ServicesState {
  apps: ReadonlyMap<string, AppDefinition>;
  groups: ReadonlyMap<string, GroupRow>;
}

export interface PlannedAppChange {
  appId: string;
  /** null: the app is stopped and removed. */
  app: AppDefinition | null;
  action: DeploymentAction;
}

export interface GroupPlan {
  changes: PlannedAppChange[];
  /**
   * The started, restarted and scaled apps in dependency order: an app's step comes after the steps
   * of the apps it depends on (directly, or through its groups' dependencies). Stops are not ordered.
   */
  steps: string[][];
  /** Group rows written (created or updated). */
  groups: GroupRow[];
  removeGroups: string[];
}

export type GroupPlanResult = { ok: true; plan: GroupPlan } | { ok: false; path: string; error: string };

const MAX_INSTANCES = 100_000;

const under = (id: string, group: string): boolean => group === '/' || id.startsWith(`${group}/`);

function ancestors(id: string): string[] {
  const out: string[] = [];
  for (let p = parentOf(id); ; p = parentOf(p)) {
    out.push(p);
    if (p === '/') return out;
  }
}

/** Every group there is: '/', the rows, and the ancestors of rows and apps. */
export function knownGroups(apps: Iterable<string>, rows: Iterable<string>): Set<string> {
  const out = new Set<string>(['/']);
  for (const r of rows) {
    out.add(r);
    for (const a of ancestors(r)) out.add(a);
  }
  for (const a of apps) for (const g of ancestors(a)) out.add(g);
  return out;
}

export const groupExists = (state: ServicesState, id: string): boolean => knownGroups(state.apps.keys(), state.groups.keys()).has(id);

export function planStructure(state: ServicesState, spec: GroupSpec): GroupPlanResult {
  const changes = new Map<string, PlannedAppChange>();
  const rows = new Map<string, GroupRow>();
  const removeGroups = new Set<string>();
  const before = knownGroups(state.apps.keys(), state.groups.keys());

  const removeSubtree = (g: string): void => {
    for (const id of state.apps.keys()) if (under(id, g)) changes.set(id, { appId: id, app: null, action: 'StopApplication' });
    for (const id of state.groups.keys()) if (id === g || under(id, g)) removeGroups.add(id);
  };
  const apply = (g: GroupSpec): void => {
    removeGroups.delete(g.id);
    // Marathon's GroupNormalization: a top-level group written takes the update's enforceRole, false
    // when absent (--new_group_enforce_role off); a deeper group keeps what it has.
    const enforceRole = g.id !== '/' && parentOf(g.id) === '/' ? g.enforceRole ?? false : state.groups.get(g.id)?.enforceRole;
    rows.set(g.id, { id: g.id, dependencies: g.dependencies ?? state.groups.get(g.id)?.dependencies ?? [], ...(enforceRole !== undefined ? { enforceRole } : {}) });
    if (g.apps !== undefined) {
      const given = new Set(g.apps.map((a) => a.id));
      for (const id of state.apps.keys()) {
        if (parentOf(id) === g.id && !given.has(id)) changes.set(id, { appId: id, app: null, action: 'StopApplication' });
      }
      for (const app of g.apps) {
        const prev = state.apps.get(app.id);
        if (!prev) changes.set(app.id, { appId: app.id, app, action: 'StartApplication' });
        else if (isConfigChange(prev, app)) changes.set(app.id, { appId: app.id, app, action: 'RestartApplication' });
        else if (prev.instances !== app.instances) changes.set(app.id, { appId: app.id, app, action: 'ScaleApplication' });
      }
    }
    if (g.groups !== undefined) {
      const given = new Set(g.groups.map((c) => c.id));
      for (const id of before) if (id !== g.id && id !== '/' && parentOf(id) === g.id && !given.has(id)) removeSubtree(id);
      for (const c of g.groups) apply(c);
    }
  };
  apply(spec);

  // After the change no id may name both an app and a group (Marathon refuses that too).
  const finalApps = new Set([...state.apps.keys()].filter((id) => changes.get(id)?.app !== null));
  for (const c of changes.values()) if (c.app !== null) finalApps.add(c.appId);
  const finalRows = [...state.groups.keys()].filter((id) => !removeGroups.has(id)).concat([...rows.keys()]);
  const finalGroups = knownGroups(finalApps, finalRows);
  const clash = [...finalApps].find((id) => finalGroups.has(id));
  if (clash !== undefined) return { ok: false, path: '/', error: `Groups and Applications may not have the same identifier: ${clash}` };
  const appDefs = new Map([...state.apps].filter(([id]) => finalApps.has(id)));
  for (const c of changes.values()) if (c.app !== null) appDefs.set(c.appId, c.app);
  const groupDeps = new Map<string, string[]>([...state.groups].filter(([id]) => !removeGroups.has(id)).map(([id, g]) => [id, g.dependencies]));
  for (const r of rows.values()) groupDeps.set(r.id, r.dependencies);
  const steps = dependencySteps([...changes.values()], appDefs, groupDeps);
  if (steps === null) return { ok: false, path: '/', error: 'Dependency graph has cyclic dependencies.' };
  return { ok: true, plan: { changes: [...changes.values()], steps, groups: [...rows.values()], removeGroups: [...removeGroups] } };
}

/**
 * Orders the changed apps (stops aside) into steps by their dependencies, which name apps or
 * groups (every app below them), declared on the app or on any group above it. Null: a cycle.
 */
export function dependencySteps(changes: readonly PlannedAppChange[], apps: ReadonlyMap<string, AppDefinition>, groupDeps: ReadonlyMap<string, readonly string[]>): string[][] | null {
  const moving = changes.filter((c) => c.app !== null).map((c) => c.appId);
  const inPlan = new Set(moving);
  const depsOf = (id: string): string[] => {
    const named = [...(apps.get(id)?.dependencies ?? []), ...ancestors(id).flatMap((g) => groupDeps.get(g) ?? [])];
    const out = new Set<string>();
    for (const d of named) for (const a of inPlan) if (a !== id && (a === d || under(a, d)) && !(d !== '/' && under(id, d))) out.add(a);
    return [...out];
  };
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (id: string): number | null => {
    const known = level.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return null;
    visiting.add(id);
    let l = 0;
    for (const d of depsOf(id)) {
      const dl = visit(d);
      if (dl === null) return null;
      l = Math.max(l, dl + 1);
    }
    visiting.delete(id);
    level.set(id, l);
    return l;
  };
  for (const id of moving) if (visit(id) === null) return null;
  const steps: string[][] = [];
  for (const id of [...moving].sort()) (steps[level.get(id)!] ??= []).push(id);
  return steps.filter((s) => s.length > 0);
}

export function planScale(state: ServicesState, group: string, scaleBy: number): GroupPlanResult {
  const changes: PlannedAppChange[] = [];
  for (const [id, app] of state.apps) {
    if (!under(id, group)) continue;
    const instances = Math.ceil(app.instances * scaleBy);
    if (instances > MAX_INSTANCES) return { ok: false, path: '/scaleBy', error: `${id} would have ${instances} instances (at most ${MAX_INSTANCES})` };
    if (instances !== app.instances) changes.push({ appId: id, app: { ...app, instances }, action: 'ScaleApplication' });
  }
  const steps = dependencySteps(changes, state.apps, new Map([...state.groups].map(([id, g]) => [id, g.dependencies])));
  if (steps === null) return { ok: false, path: '/', error: 'Dependency graph has cyclic dependencies.' };
  return { ok: true, plan: { changes, steps, groups: [], removeGroups: [] } };
}

export function planDelete(state: ServicesState, group: string): GroupPlan {
  const changes: PlannedAppChange[] = [...state.apps.keys()].filter((id) => under(id, group)).map((id) => ({ appId: id, app: null, action: 'StopApplication' as const }));
  const removeGroups = [...state.groups.keys()].filter((id) => id === group || under(id, group));
  return { changes, steps: [], groups: [], removeGroups };
}
