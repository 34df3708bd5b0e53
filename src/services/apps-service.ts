// App writes and reads with Marathon's semantics: every write is one registry command carrying
// the new app version and its deployment; an app with a running deployment is locked (409)
// unless the write is forced, which supersedes that deployment. Writes are serialized, so the
// lock check and the write cannot interleave with another write.
import type { Clock } from '../lib/clock.js';
import type { Rng } from '../lib/rng.js';
import type { CommandLog } from '../registry/command-log.js';
import { appIdProblem, canonicalAppId, isConfigChange, parseApp, type AppDefinition, type ValidationFailure } from './app-schema.js';
import { affectedApps, type AppRecord, type DeploymentAction, type DeploymentPlan, type GroupRecord, type ServicesStore } from './model.js';
import { dependencySteps, knownGroups, type GroupRow, type PlannedAppChange } from './group-plan.js';
import { SERVICE_PORT_MAX, SERVICE_PORT_MIN, withServicePorts } from './service-ports.js';
import type { ServicesEvents } from './events.js';
import { deploymentJson } from './views.js';

/** A refusal in Marathon's shape: status plus `{message, ...}`. */
export class ServiceError extends Error {
  constructor(readonly status: 400 | 404 | 409 | 422 | 503, readonly body: { message: string } & Record<string, unknown>) {
    super(body.message);
    this.name = 'ServiceError';
  }
}

/** App updates in one PUT/PATCH /v2/apps. */
export const MAX_BULK_APPS = 1000;

export const invalid = (failure: ValidationFailure): ServiceError => new ServiceError(422, { ...failure });

export interface DeploymentResult {
  deploymentId: string;
  version: string;
  record: AppRecord | null;
  created: boolean;
}

export interface AppsServiceOptions {
  store: ServicesStore;
  log: CommandLog;
  clock: Clock;
  rng: Rng;
  /** Called after each committed write (the driver acts at once). */
  changed(): void;
  events: ServicesEvents;
}

/** A path id from a URL (`prod/web`), or a 404-shaped refusal (Marathon answers unknown ids with 404, malformed with 422). */
export function pathAppId(raw: string): string {
  const why = appIdProblem(raw);
  if (why !== undefined) throw new ServiceError(422, { message: 'Object is not valid', details: [{ path: '/id', errors: [why] }] });
  return canonicalAppId(raw);
}

export class AppsService {
  private queue: Promise<unknown> = Promise.resolve();
  private lastVersionMs = 0;

  constructor(private readonly opts: AppsServiceOptions) {}

  get store(): ServicesStore {
    return this.opts.store;
  }

  create(json: unknown, force: boolean): Promise<DeploymentResult> {
    return this.serial(async () => {
      const app = this.parse(json);
      if (this.store.app(app.id)) throw new ServiceError(409, { message: `An app with id [${app.id}] already exists.` });
      this.refuseGroupId(app.id);
      return this.write(app.id, app, null, 'StartApplication', force);
    });
  }

  /**
   * PUT (partial unless `partial` is false) creates the app when it does not exist; PATCH
   * (`allowCreation` false: Marathon's AppsResource.patch) answers 404 for an unknown app.
   */
  update(id: string, json: unknown, opts: { partial: boolean; force: boolean; allowCreation?: boolean }): Promise<DeploymentResult> {
    return this.serial(async () => {
      const { app, prev } = this.merged(id, json, opts.partial, opts.allowCreation ?? true, '');
      if (!prev) return this.write(id, app, null, 'StartApplication', opts.force);
      const action: DeploymentAction = isConfigChange(prev.app, app) ? 'RestartApplication' : 'ScaleApplication';
      return this.write(id, app, prev, action, opts.force);
    });
  }

  /**
   * PUT /v2/apps and PATCH /v2/apps (Marathon's replaceMultiple, patchMultiple): an array of app
   * updates, each with its id, applied with the semantics of the one-app write as one deployment.
   * PATCH is partial and creates nothing (an unknown app is a 404).
   */
  updateMany(json: unknown, opts: { partial: boolean; force: boolean; allowCreation: boolean }): Promise<DeploymentResult> {
    return this.serial(async () => {
      if (!Array.isArray(json)) throw new ServiceError(422, { message: 'Object is not valid', details: [{ path: '/', errors: ['expected a JSON array of app updates'] }] });
      if (json.length === 0) throw new ServiceError(422, { message: 'Object is not valid', details: [{ path: '/', errors: ['expected at least one app update'] }] });
      if (json.length > MAX_BULK_APPS) throw new ServiceError(422, { message: 'Object is not valid', details: [{ path: '/', errors: [`at most ${MAX_BULK_APPS} app updates in one request`] }] });
      const seen = new Set<string>();
      const changes: PlannedAppChange[] = json.map((item: unknown, i) => {
        const at = `/(${i})`;
        const rawId = typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Record<string, unknown>)['id'] : undefined;
        const why = typeof rawId !== 'string' ? 'an app update in a list needs its id' : appIdProblem(rawId);
        if (why !== undefined) throw new ServiceError(422, { message: 'Object is not valid', details: [{ path: `${at}/id`, errors: [why] }] });
        const id = canonicalAppId(rawId as string);
        if (seen.has(id)) throw new ServiceError(422, { message: 'Object is not valid', details: [{ path: `${at}/id`, errors: [`${id} is given twice`] }] });
        seen.add(id);
        const { app, prev } = this.merged(id, item, opts.partial, opts.allowCreation, at);
        const action: DeploymentAction = !prev ? 'StartApplication' : isConfigChange(prev.app, app) ? 'RestartApplication' : 'ScaleApplication';
        return { appId: id, app, action };
      });
      const apps = new Map(this.store.apps().map((r) => [r.app.id, r.app]));
      for (const c of changes) if (c.app) apps.set(c.appId, c.app);
      const steps = dependencySteps(changes, apps, new Map(this.store.groups().map((g) => [g.id, g.dependencies]))) ?? [];
      return this.writeGroup('/', changes, [], [], opts.force, steps);
    });
  }

  /** The app a write with `json` for `id` makes (validated), and the record it replaces; `at` prefixes error paths. */
  private merged(id: string, json: unknown, partial: boolean, allowCreation: boolean, at: string): { app: AppDefinition; prev: AppRecord | undefined } {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ServiceError(422, { message: 'Object is not valid', details: [{ path: at || '/', errors: ['expected a JSON object'] }] });
    }
    const body = json as Record<string, unknown>;
    if (body['id'] !== undefined && (typeof body['id'] !== 'string' || appIdProblem(body['id']) !== undefined || canonicalAppId(body['id']) !== id)) {
      throw new ServiceError(422, { message: 'Object is not valid', details: [{ path: `${at}/id`, errors: [`the app id in the body must be the one in the path (${id})`] }] });
    }
    const prev = this.store.app(id);
    if (!prev && !allowCreation) throw new ServiceError(404, { message: `App '${id}' does not exist` });
    if (!prev) this.refuseGroupId(id);
    const base: Record<string, unknown> = prev && partial ? { ...prev.app } : {};
    if (body['ports'] !== undefined) delete base['portDefinitions'];
    // Legacy `uris` replace the stored artifacts (kept as `fetch`) rather than conflicting with them.
    if (body['uris'] !== undefined) delete base['fetch'];
    // The network is said once: a body's `networks` or its container's docker.network replaces the stored one.
    const docker = (base['container'] as { docker?: Record<string, unknown> } | undefined)?.docker;
    if (body['networks'] !== undefined && body['container'] === undefined && docker !== undefined) {
      const { network: _n, ...rest } = docker;
      base['container'] = { ...(base['container'] as object), docker: rest };
    }
    if (body['container'] !== undefined && body['networks'] === undefined) delete base['networks'];
    // Switching networks re-derives the ports (host: portDefinitions, bridge: none) unless the body gives them.
    if (body['networks'] !== undefined && body['portDefinitions'] === undefined && body['ports'] === undefined) delete base['portDefinitions'];
    const r = parseApp({ ...base, ...body, id });
    if (!r.ok) throw invalid(at === '' ? r.failure : { ...r.failure, details: r.failure.details.map((d) => ({ ...d, path: d.path === '/' ? at : `${at}${d.path}` })) });
    return { app: r.app, prev };
  }

  /** Marathon's scale shortcut: the app with only `instances` changed. */
  scale(id: string, instances: number, force: boolean): Promise<DeploymentResult> {
    return this.update(id, { instances }, { partial: true, force });
  }

  restart(id: string, force: boolean): Promise<DeploymentResult> {
    return this.serial(async () => {
      const prev = this.existing(id);
      return this.write(id, prev.app, prev, 'RestartApplication', force, true);
    });
  }

  remove(id: string, force: boolean): Promise<DeploymentResult> {
    return this.serial(async () => {
      this.existing(id);
      return this.write(id, null, null, 'StopApplication', force);
    });
  }

  /**
   * DELETE /v2/deployments/{id}: with `force`, forgets the deployment and leaves the app as it is
   * now; without, rolls back: a new (forced) deployment to the app as it was before, or its removal
   * when the deployment created it.
   */
  cancelDeployment(id: string, force: boolean): Promise<DeploymentResult | null> {
    return this.serial(async () => {
      const d = this.store.deployments().find((x) => x.id === id);
      if (!d) throw new ServiceError(404, { message: `DeploymentPlan ${id.slice(0, 100)} does not exist` });
      if (force) {
        await this.opts.log.propose({ type: 'SERVICES_DEPLOYMENTS_DONE', ids: [id] });
        this.opts.changed();
        return null;
      }
      if (d.apps !== undefined) return this.rollBackGroup(d);
      const before = d.previous ?? null;
      const current = this.store.app(d.appId) ?? null;
      if (before === null) return this.write(d.appId, null, null, 'StopApplication', true);
      const action: DeploymentAction = current === null ? 'StartApplication' : isConfigChange(current.app, before.app) ? 'RestartApplication' : 'ScaleApplication';
      return this.write(d.appId, before.app, current, action, true);
    });
  }

  existing(id: string): AppRecord {
    const rec = this.store.app(id);
    if (!rec) throw new ServiceError(404, { message: `App '${id}' does not exist` });
    return rec;
  }

  deploymentsOf(id: string): DeploymentPlan[] {
    return this.store.deployments().filter((d) => affectedApps(d).includes(id));
  }

  /** Runs `f` alone among this service's writes (group writes plan on a state no other write changes meanwhile). */
  exclusive<T>(f: () => Promise<T>): Promise<T> {
    return this.serial(f);
  }

  /**
   * A group write (call inside exclusive()): every app change, the group rows and one deployment
   * for all of it in one registry command. Apps locked by other deployments refuse it (409)
   * unless forced, which supersedes those deployments.
   */
  async writeGroup(group: string, changes: PlannedAppChange[], rows: GroupRow[], removeGroups: string[], force: boolean, steps: string[][] = []): Promise<DeploymentResult> {
    const ids = new Set(changes.map((c) => c.appId));
    const locking = this.store.deployments().filter((d) => affectedApps(d).some((a) => ids.has(a)));
    if (locking.length > 0 && !force) throw this.locked(locking);
    const version = this.nextVersion();
    const assignedSoFar: AppDefinition[] = [];
    const apps = changes.map((change) => {
      const prev = this.store.app(change.appId) ?? null;
      const app = change.app && this.servicePorts(change.app, assignedSoFar);
      if (app) assignedSoFar.push(app);
      const configChange = prev === null || change.action === 'RestartApplication' || change.action === 'StartApplication';
      const record: AppRecord | null = app && {
        app, version,
        versionInfo: { lastConfigChangeAt: prev === null || configChange ? version : prev.versionInfo.lastConfigChangeAt, lastScalingAt: version },
      };
      return { change, prev, record, configChange };
    });
    const deployment: DeploymentPlan = {
      id: this.opts.rng.uuid(), appId: changes[0]?.appId ?? group, version, action: changes[0]?.action ?? 'ScaleApplication',
      group, apps: apps.map((a) => ({ appId: a.change.appId, action: a.change.action, previous: a.prev })),
      ...(steps.length > 1 ? { steps } : {}),
    };
    await this.opts.log.propose({
      type: 'SERVICES_DEPLOY_GROUP',
      apps: apps.map((a) => ({ appId: a.change.appId, app: a.record && { version, definition: a.record }, resetDelay: a.configChange })),
      deployment: { id: deployment.id, appId: deployment.appId, plan: deployment },
      removeDeployments: locking.map((d) => d.id),
      groups: rows.map((r) => ({ id: r.id, definition: { ...r, version } })),
      removeGroups,
      rootVersion: version,
    });
    this.opts.changed();
    for (const a of apps) if (a.record) this.opts.events.emit('api_post_event', { clientIp: null, uri: `/v2/groups${group === '/' ? '' : group}`, appDefinition: { ...a.record.app, version } });
    this.opts.events.emit('group_change_success', { groupId: group, version });
    this.opts.events.emit('deployment_info', { plan: deploymentJson(deployment), currentStep: { actions: apps.map((a) => ({ action: a.change.action, app: a.change.appId })) } });
    return { deploymentId: deployment.id, version, record: null, created: false };
  }

  /** Group rows rewritten in place, no deployment and no new root version (call inside exclusive()). */
  async patchGroups(rows: GroupRecord[]): Promise<void> {
    await this.opts.log.propose({ type: 'SERVICES_GROUPS_PATCH', groups: rows.map((r) => ({ id: r.id, definition: r })) });
    this.opts.changed();
  }

    /** Rolling back a group deployment restores each of its apps as it was before (the group rows stay). */
  private rollBackGroup(d: DeploymentPlan): Promise<DeploymentResult> {
    const changes: PlannedAppChange[] = (d.apps ?? []).flatMap((a): PlannedAppChange[] => {
      const current = this.store.app(a.appId) ?? null;
      if (a.previous === null) return current === null ? [] : [{ appId: a.appId, app: null, action: 'StopApplication' }];
      const action: DeploymentAction = current === null ? 'StartApplication' : isConfigChange(current.app, a.previous.app) ? 'RestartApplication' : 'ScaleApplication';
      return [{ appId: a.appId, app: a.previous.app, action }];
    });
    return this.writeGroup(d.group ?? '/', changes, [], [], true);
  }

  /** The app with its servicePorts 0 assigned, unique among the stored apps and `alsoUsed` (apps of the same write). */
  private servicePorts(app: AppDefinition, alsoUsed: readonly AppDefinition[]): AppDefinition {
    const out = withServicePorts(app, [...this.store.apps().map((r) => r.app), ...alsoUsed]);
    if (out === null) throw new ServiceError(422, { message: 'Object is not valid', details: [{ path: '/container/portMappings', errors: [`no free service port left in ${SERVICE_PORT_MIN}-${SERVICE_PORT_MAX}`] }] });
    return out;
  }

  /** An app may not take the id of a group (Marathon: groups and apps may not share an identifier). */
  private refuseGroupId(id: string): void {
    if (knownGroups(this.store.apps().map((a) => a.app.id), this.store.groups().map((g) => g.id)).has(id)) {
      throw new ServiceError(422, { message: 'Object is not valid', details: [{ path: '/id', errors: [`${id} is a group: groups and apps may not share an id`] }] });
    }
  }

  private locked(locking: DeploymentPlan[]): ServiceError {
    return new ServiceError(409, {
      message: `App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/${locking[0]!.id}'.`,
      deployments: locking.map((d) => ({ id: d.id })),
    });
  }

  private parse(json: unknown): AppDefinition {
    const r = parseApp(json);
    if (!r.ok) throw invalid(r.failure);
    return r.app;
  }

  private nextVersion(): string {
    const ms = Math.max(this.opts.clock.now(), this.lastVersionMs + 1);
    this.lastVersionMs = ms;
    return new Date(ms).toISOString();
  }

  private async write(id: string, app: AppDefinition | null, prev: AppRecord | null, action: DeploymentAction, force: boolean, restart = false): Promise<DeploymentResult> {
    const locking = this.deploymentsOf(id);
    if (locking.length > 0 && !force) throw this.locked(locking);
    const version = this.nextVersion();
    const configChange = restart || prev === null || action === 'RestartApplication';
    const record: AppRecord | null = app && {
      app: this.servicePorts(app, []),
      version,
      versionInfo: {
        lastConfigChangeAt: configChange ? version : prev.versionInfo.lastConfigChangeAt,
        lastScalingAt: version,
      },
    };
    const deployment: DeploymentPlan = { id: this.opts.rng.uuid(), appId: id, version, action, previous: this.store.app(id) ?? null };
    await this.opts.log.propose({
      type: 'SERVICES_DEPLOY', appId: id,
      app: record && { version, definition: record },
      deployment: { id: deployment.id, appId: id, plan: deployment },
      removeDeployments: locking.map((d) => d.id),
      resetDelay: configChange,
      rootVersion: version,
    });
    this.opts.changed();
    if (record) this.opts.events.emit('api_post_event', { clientIp: null, uri: `/v2/apps${id}`, appDefinition: { ...record.app, version } });
    this.opts.events.emit('deployment_info', { plan: deploymentJson(deployment), currentStep: { actions: [{ action, app: id }] } });
    return { deploymentId: deployment.id, version, record, created: prev === null && app !== null };
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
