// Group writes with Marathon's semantics (GroupsResource): POST creates (409 when the group or an
// app of that id exists), PUT creates or updates (or scales with scaleBy; dryRun only plans),
// DELETE removes a group and everything in it. Each write is planned (group-plan.ts) on the state
// as it is inside the apps service's write queue and committed as one deployment.
import { invalid, ServiceError, type AppsService, type DeploymentResult } from './apps-service.js';
import { groupExists, knownGroups, planDelete, planScale, planStructure, type GroupPlan, type GroupPlanResult, type ServicesState } from './group-plan.js';
import { z } from 'zod';
import { appIdProblem, validationFailure } from './app-schema.js';
import { parentOf, parseGroupUpdate, resolveId, type GroupSpec, type GroupUpdate } from './group-update.js';
import type { AppRecord, GroupRecord } from './model.js';

export type GroupWrite = (DeploymentResult & { groupId: string }) | { groupId: string; steps: { actions: { action: string; app: string }[] }[] };

/** Marathon's DeploymentSteps: the ordered steps, then the stops. */
function stepsJson(plan: GroupPlan): { actions: { action: string; app: string }[] }[] {
  const byId = new Map(plan.changes.map((c) => [c.appId, c]));
  const stops = plan.changes.filter((c) => c.app === null).map((c) => c.appId);
  return [...plan.steps, ...(stops.length > 0 ? [stops] : [])].map((step) => ({ actions: step.map((app) => ({ action: byId.get(app)!.action, app })) }));
}

/** Marathon's GroupPartialUpdate (types/group.raml), with the optional id of the group in the URL. */
const GroupPartialUpdateShape = z.strictObject({
  id: z.string().max(400).optional(),
  enforceRole: z.boolean().optional(),
});

export class GroupsService {
  constructor(private readonly apps: AppsService) {}

  create(json: unknown, base: string, force: boolean): Promise<DeploymentResult & { groupId: string }> {
    return this.apps.exclusive(async () => {
      const update = this.parse(json, base);
      if (update.kind === 'scale') throw invalid({ message: 'Object is not valid', details: [{ path: '/scaleBy', errors: ['POST creates a group; scale one with PUT'] }] });
      if (update.kind === 'revert') throw invalid({ message: 'Object is not valid', details: [{ path: '/version', errors: ['POST creates a group; roll one back with PUT'] }] });
      const id = update.group.id;
      const state = this.state();
      if (groupExists(state, id)) throw new ServiceError(409, { message: `Group ${id} is already created. Use PUT to change this group.` });
      if (state.apps.has(id)) throw new ServiceError(409, { message: `An app with the path ${id} already exists.` });
      const plan = this.planned(planStructure(state, update.group));
      return { ...(await this.apps.writeGroup(id, plan.changes, plan.groups, plan.removeGroups, force, plan.steps)), groupId: id };
    });
  }

  update(json: unknown, base: string, opts: { force: boolean; dryRun: boolean }): Promise<GroupWrite> {
    return this.apps.exclusive(async () => {
      const update = this.parse(json, base);
      const state = this.state();
      const id = update.kind === 'structure' ? update.group.id : update.id;
      if (state.apps.has(id)) throw new ServiceError(409, { message: `An app with the path ${id} already exists.` });
      let plan: GroupPlan;
      if (update.kind === 'scale') {
        if (!groupExists(state, id)) throw new ServiceError(404, { message: `Group '${id}' does not exist` });
        plan = this.planned(planScale(state, id, update.scaleBy));
      } else if (update.kind === 'revert') {
        // Marathon's GroupApiService.revertToOlderVersion: the group as it was at that root version replaces it.
        const then = this.stateAt(update.version);
        if (!then || !groupExists(then, id)) throw new ServiceError(422, { message: `Group ${id} not available in version ${update.version}` });
        plan = this.planned(planStructure(state, specOf(then, id)));
      } else plan = this.planned(planStructure(state, update.group));
      if (opts.dryRun) return { groupId: id, steps: stepsJson(plan) };
      return { ...(await this.apps.writeGroup(id, plan.changes, plan.groups, plan.removeGroups, opts.force, plan.steps)), groupId: id };
    });
  }

  /**
   * PATCH /v2/groups/{id} (Marathon's GroupsResource.patchGroup): a GroupPartialUpdate changes the
   * settings of a top-level group in place, without a deployment, a new version or a restart, so
   * no deployment locks it. An absent enforceRole means false (Marathon's default,
   * --new_group_enforce_role off). Unknown fields are refused rather than dropped unseen.
   */
  patch(json: unknown, id: string): Promise<{ groupId: string; enforceRole: boolean }> {
    return this.apps.exclusive(async () => {
      const r = GroupPartialUpdateShape.safeParse(json);
      if (!r.success) throw invalid(validationFailure(r.error));
      if (r.data.id !== undefined) {
        const why = r.data.id === '/' ? undefined : appIdProblem(r.data.id);
        const named = why === undefined && r.data.id !== '/' ? resolveId(r.data.id, parentOf(id)) : r.data.id;
        if (why !== undefined || named !== id) throw invalid({ message: 'Object is not valid', details: [{ path: '/id', errors: [why ?? `the id names ${named.slice(0, 400)}, the URL ${id}`] }] });
      }
      if (id === '/' || parentOf(id) !== '/') throw invalid({ message: 'Object is not valid', details: [{ path: '/id', errors: ['Path needs to be top-level'] }] });
      const state = this.state();
      if (!groupExists(state, id)) throw new ServiceError(404, { message: `Group '${id}' does not exist` });
      const enforceRole = r.data.enforceRole ?? false;
      const row = this.apps.store.groups().find((g) => g.id === id);
      const version = row?.version ?? this.apps.store.apps().filter((a) => a.app.id.startsWith(`${id}/`)).map((a) => a.version).sort().at(-1) ?? this.apps.store.rootVersions()[0] ?? new Date(0).toISOString();
      await this.apps.patchGroups([{ id, dependencies: row?.dependencies ?? [], version, enforceRole }]);
      return { groupId: id, enforceRole };
    });
  }

  remove(id: string, force: boolean): Promise<DeploymentResult> {
    return this.apps.exclusive(async () => {
      const state = this.state();
      if (!groupExists(state, id)) throw new ServiceError(404, { message: `Group '${id}' does not exist` });
      const plan = planDelete(state, id);
      return this.apps.writeGroup(id, plan.changes, plan.groups, plan.removeGroups, force);
    });
  }

  /** Root versions (newest first) in which the group existed; 404 when it does not exist now (Marathon's GroupsResource). */
  versions(id: string): string[] {
    if (!groupExists(this.state(), id)) throw new ServiceError(404, { message: `Group '${id}' does not exist` });
    return this.apps.store.rootVersions().filter((v) => {
      const then = this.stateAt(v);
      return then !== undefined && groupExists(then, id);
    });
  }

  /** The root as it was at `version` (undefined: no such version); with its app records. */
  rootAt(version: string): { state: ServicesState; apps: AppRecord[]; groups: GroupRecord[] } | undefined {
    const r = this.apps.store.rootAt(version);
    return r && { state: stateOf(r.apps, r.groups), apps: r.apps, groups: r.groups };
  }

  private stateAt(version: string): ServicesState | undefined {
    return this.rootAt(version)?.state;
  }

  private parse(json: unknown, base: string): GroupUpdate {
    const r = parseGroupUpdate(json, base);
    if (!r.ok) throw invalid(r.failure);
    return r.update;
  }

  private planned(r: GroupPlanResult): GroupPlan {
    if (!r.ok) throw invalid({ message: 'Object is not valid', details: [{ path: r.path, errors: [r.error] }] });
    return r.plan;
  }

  private state(): ServicesState {
    return stateOf(this.apps.store.apps(), this.apps.store.groups());
  }
}

const stateOf = (apps: readonly AppRecord[], groups: readonly GroupRecord[]): ServicesState => ({
  apps: new Map(apps.map((r) => [r.app.id, r.app])),
  groups: new Map(groups.map((g) => [g.id, { id: g.id, dependencies: g.dependencies, ...(g.enforceRole !== undefined ? { enforceRole: g.enforceRole } : {}) }])),
});

/** The group `id` of `state` with everything below it, every list given: as an update, it replaces the group exactly. */
export function specOf(state: ServicesState, id: string): GroupSpec {
  const known = [...knownGroups(state.apps.keys(), state.groups.keys())];
  const build = (gid: string): GroupSpec => ({
    id: gid,
    ...(state.groups.get(gid)?.enforceRole !== undefined ? { enforceRole: state.groups.get(gid)!.enforceRole! } : {}),
    apps: [...state.apps.values()].filter((a) => parentOf(a.id) === gid),
    groups: known.filter((g) => g !== '/' && g !== gid && parentOf(g) === gid).sort().map(build),
    dependencies: state.groups.get(gid)?.dependencies ?? [],
  });
  return build(id);
}
