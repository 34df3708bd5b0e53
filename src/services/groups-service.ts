// Group writes with Marathon's semantics (GroupsResource): POST creates (409 when the group or an
// app of that id exists), PUT creates or updates (or scales with scaleBy; dryRun only plans),
// DELETE removes a group and everything in it. Each write is planned (group-plan.ts) on the state
// as it is inside the apps service's write queue and committed as one deployment.
import { invalid, ServiceError, type AppsService, type DeploymentResult } from './apps-service.js';
import { groupExists, planDelete, planScale, planStructure, type GroupPlan, type GroupPlanResult, type ServicesState } from './group-plan.js';
import { parseGroupUpdate, type GroupUpdate } from './group-update.js';

export type GroupWrite = (DeploymentResult & { groupId: string }) | { groupId: string; steps: { actions: { action: string; app: string }[] }[] };

/** Marathon's DeploymentSteps: the ordered steps, then the stops. */
function stepsJson(plan: GroupPlan): { actions: { action: string; app: string }[] }[] {
  const byId = new Map(plan.changes.map((c) => [c.appId, c]));
  const stops = plan.changes.filter((c) => c.app === null).map((c) => c.appId);
  return [...plan.steps, ...(stops.length > 0 ? [stops] : [])].map((step) => ({ actions: step.map((app) => ({ action: byId.get(app)!.action, app })) }));
}

export class GroupsService {
  constructor(private readonly apps: AppsService) {}

  create(json: unknown, base: string, force: boolean): Promise<DeploymentResult & { groupId: string }> {
    return this.apps.exclusive(async () => {
      const update = this.parse(json, base);
      if (update.kind === 'scale') throw invalid({ message: 'Object is not valid', details: [{ path: '/scaleBy', errors: ['POST creates a group; scale one with PUT'] }] });
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
      const id = update.kind === 'scale' ? update.id : update.group.id;
      if (state.apps.has(id)) throw new ServiceError(409, { message: `An app with the path ${id} already exists.` });
      let plan: GroupPlan;
      if (update.kind === 'scale') {
        if (!groupExists(state, id)) throw new ServiceError(404, { message: `Group '${id}' does not exist` });
        plan = this.planned(planScale(state, id, update.scaleBy));
      } else plan = this.planned(planStructure(state, update.group));
      if (opts.dryRun) return { groupId: id, steps: stepsJson(plan) };
      return { ...(await this.apps.writeGroup(id, plan.changes, plan.groups, plan.removeGroups, opts.force, plan.steps)), groupId: id };
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
    const store = this.apps.store;
    return {
      apps: new Map(store.apps().map((r) => [r.app.id, r.app])),
      groups: new Map(store.groups().map((g) => [g.id, { id: g.id, dependencies: g.dependencies }])),
    };
  }
}
