// What the services scheduler keeps in the registry (services-table.ts stores it as JSON):
// app records with their version info, deployment plans, instance records. Reading a row
// back checks its shape loosely: the rows were written by this module through the Raft log.
import type { Registry } from '../registry/registry.js';
import { servicesTable } from '../registry/services-table.js';
import type { AppDefinition } from './app-schema.js';

export interface VersionInfo {
  lastScalingAt: string;
  lastConfigChangeAt: string;
}

export interface AppRecord {
  app: AppDefinition;
  version: string;
  versionInfo: VersionInfo;
}

export type DeploymentAction = 'StartApplication' | 'ScaleApplication' | 'RestartApplication' | 'StopApplication';

export interface DeploymentPlan {
  id: string;
  appId: string;
  /** The app version it deploys (the time of the change). */
  version: string;
  action: DeploymentAction;
  /** The app as it was before (null: it did not exist): what a rollback restores. */
  previous?: AppRecord | null;
  /** A group deployment (`appId` is then its first app, or the group): the group written and every app it changes. */
  group?: string;
  apps?: { appId: string; action: DeploymentAction; previous: AppRecord | null }[];
  /** Apps in dependency order: an app of a later step waits until those of the earlier steps run as desired. */
  steps?: string[][];
}

/** The apps a deployment changes. */
export const affectedApps = (d: DeploymentPlan): string[] => (d.apps !== undefined ? d.apps.map((a) => a.appId) : [d.appId]);

/** An explicit group (POST/PUT /v2/groups): it exists without apps and keeps its dependencies. */
export interface GroupRecord {
  id: string;
  dependencies: string[];
  version: string;
  /** Marathon's enforceRole of a top-level group (PATCH /v2/groups/{id}); absent: never set. */
  enforceRole?: boolean;
}

export interface InstanceRecord {
  taskId: string;
  appId: string;
  agentId: string;
  hostname: string;
  attributes: Record<string, string>;
  /** The app's lastConfigChangeAt at launch: what the reconciler compares. */
  configVersion: string;
  /** The app version at launch (Marathon's task `version`). */
  version: string;
  hostPorts: number[];
  /** Wall-clock ms (Marathon's stagedAt). */
  launchedAt: number;
  /**
   * The task was launched with a health check: it counts as healthy only once one reports so.
   * Absent in records from before readiness was tracked (counted as before: healthy unless reported not).
   */
  healthChecked?: boolean;
}

/** Read-side helpers over the registry's service tables. */
export class ServicesStore {
  constructor(private readonly registry: Registry) {}

  frameworkId(): string | null {
    return servicesTable.frameworkId(this.registry.db);
  }

  apps(): AppRecord[] {
    return servicesTable.apps(this.registry.db).map((a) => a.definition as AppRecord);
  }

  app(id: string): AppRecord | undefined {
    return servicesTable.app(this.registry.db, id)?.definition as AppRecord | undefined;
  }

  versions(id: string): string[] {
    return servicesTable.versions(this.registry.db, id);
  }

  appVersion(id: string, version: string): AppRecord | undefined {
    return servicesTable.appVersion(this.registry.db, id, version) as AppRecord | undefined;
  }

  deployments(): DeploymentPlan[] {
    return servicesTable.deployments(this.registry.db).map((d) => d.plan as DeploymentPlan);
  }

  instances(): InstanceRecord[] {
    return servicesTable.instances(this.registry.db).map((i) => i.record as InstanceRecord);
  }

  groups(): GroupRecord[] {
    return servicesTable.groups(this.registry.db).map((g) => g.definition as GroupRecord);
  }

  /** Root group versions, newest first (migration 13). */
  rootVersions(): string[] {
    return servicesTable.groupVersions(this.registry.db);
  }

  /** The apps and explicit groups as they were at a root version. */
  rootAt(version: string): { apps: AppRecord[]; groups: GroupRecord[] } | undefined {
    const r = servicesTable.groupVersion(this.registry.db, version);
    return r && { apps: r.apps as AppRecord[], groups: r.groups as GroupRecord[] };
  }

  launchDelays(): Map<string, { failures: number; delayUntil: number }> {
    return new Map(servicesTable.launchDelays(this.registry.db).map((d) => [d.appId, { failures: d.failures, delayUntil: d.delayUntil }]));
  }
}
