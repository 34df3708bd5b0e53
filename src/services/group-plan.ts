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
    rows.set(g.id, { id: g.id, dependencies: g.dependencies ?? state.groups.get(g.id)?.dependencies ?? [] });
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
  return { ok: true, plan: { changes: [...changes.values()], groups: [...rows.values()], removeGroups: [...removeGroups] } };
}

export function planScale(state: ServicesState, group: string, scaleBy: number): GroupPlanResult {
  const changes: PlannedAppChange[] = [];
  for (const [id, app] of state.apps) {
    if (!under(id, group)) continue;
    const instances = Math.ceil(app.instances * scaleBy);
    if (instances > MAX_INSTANCES) return { ok: false, path: '/scaleBy', error: `${id} would have ${instances} instances (at most ${MAX_INSTANCES})` };
    if (instances !== app.instances) changes.push({ appId: id, app: { ...app, instances }, action: 'ScaleApplication' });
  }
  return { ok: true, plan: { changes, groups: [], removeGroups: [] } };
}

export function planDelete(state: ServicesState, group: string): GroupPlan {
  const changes: PlannedAppChange[] = [...state.apps.keys()].filter((id) => under(id, group)).map((id) => ({ appId: id, app: null, action: 'StopApplication' as const }));
  const removeGroups = [...state.groups.keys()].filter((id) => id === group || under(id, group));
  return { changes, groups: [], removeGroups };
}
