import type Database from 'better-sqlite3';
import type { ReplicatedModule } from './replicated-module.js';

// The built-in services scheduler's replicated state (migrations 9, 10 and 13). Definitions, deployment
// plans and instance records are JSON owned by src/services; this module only stores them, so
// a new leader continues exactly where the old one stopped.

/** Versions kept per app (Marathon's --max_versions default is 50 too). */
export const MAX_APP_VERSIONS = 50;
/** Root group versions kept (Marathon's --max_versions applies to them as well). */
export const MAX_GROUP_VERSIONS = 50;
/** And at most this much of them (characters of JSON), so that many large apps do not bloat every snapshot; the newest is always kept. */
export const MAX_GROUP_VERSIONS_CHARS = 32 * 1024 * 1024;

/** The services root as it was at one version: every app record and explicit group row (JSON owned by src/services). */
export interface StoredRoot {
  apps: unknown[];
  groups: unknown[];
}

export interface StoredApp {
  id: string;
  version: string;
  definition: unknown;
}

export interface StoredDeployment {
  id: string;
  appId: string;
  plan: unknown;
}

export interface StoredInstance {
  taskId: string;
  appId: string;
  record: unknown;
}

export interface StoredLaunchDelay {
  appId: string;
  failures: number;
  /** Wall-clock ms before which no instance of the app is launched. */
  delayUntil: number;
}

export interface StoredGroup {
  id: string;
  definition: unknown;
}

/** One app's part of a SERVICES_DEPLOY_GROUP: as SERVICES_DEPLOY without the deployment. */
export interface AppChange {
  appId: string;
  app: { version: string; definition: unknown } | null;
  resetDelay: boolean;
}

export type ServicesCommand =
  | { type: 'SERVICES_FRAMEWORK_ID'; frameworkId: string }
  /**
   * One app change with its deployment, atomically: `app` null deletes the app (and its
   * versions and launch delay); `removeDeployments` are the ones a forced change supersedes.
   */
  | { type: 'SERVICES_DEPLOY'; appId: string; app: { version: string; definition: unknown } | null; deployment: StoredDeployment | null; removeDeployments: string[]; resetDelay: boolean; rootVersion?: string }
  /**
   * A group change (migration 10), atomically: every app it touches, one deployment for them all,
   * the superseded deployments, and the explicit group rows written (`groups`) or removed.
   * Both deploy commands with `rootVersion` (migration 13; older entries have none) then record
   * the root as it is after the change under that version.
   */
  | { type: 'SERVICES_DEPLOY_GROUP'; apps: AppChange[]; deployment: StoredDeployment; removeDeployments: string[]; groups: StoredGroup[]; removeGroups: string[]; rootVersion?: string }
  /** Group settings changed without a deployment (PATCH /v2/groups/{id}, Marathon's patchRoot): the rows written as given. */
  | { type: 'SERVICES_GROUPS_PATCH'; groups: StoredGroup[] }
  | { type: 'SERVICES_DEPLOYMENTS_DONE'; ids: string[] }
  | { type: 'SERVICES_INSTANCES_LAUNCHED'; instances: StoredInstance[] }
  | { type: 'SERVICES_INSTANCES_REMOVED'; taskIds: string[] }
  /** failures 0 removes the delay. */
  | { type: 'SERVICES_LAUNCH_DELAY'; appId: string; failures: number; delayUntil: number };

const parse = (text: string): unknown => JSON.parse(text) as unknown;

export const servicesTable = {
  frameworkId(db: Database.Database): string | null {
    const r = db.prepare("SELECT value FROM service_meta WHERE key = 'framework_id'").get() as { value: string } | undefined;
    return r?.value ?? null;
  },
  apps(db: Database.Database): StoredApp[] {
    const rows = db.prepare('SELECT id, version, definition FROM service_apps ORDER BY id').all() as { id: string; version: string; definition: string }[];
    return rows.map((r) => ({ id: r.id, version: r.version, definition: parse(r.definition) }));
  },
  app(db: Database.Database, id: string): StoredApp | undefined {
    const r = db.prepare('SELECT id, version, definition FROM service_apps WHERE id = ?').get(id) as { id: string; version: string; definition: string } | undefined;
    return r && { id: r.id, version: r.version, definition: parse(r.definition) };
  },
  versions(db: Database.Database, id: string): string[] {
    const rows = db.prepare('SELECT version FROM service_app_versions WHERE id = ? ORDER BY version DESC').all(id) as { version: string }[];
    return rows.map((r) => r.version);
  },
  appVersion(db: Database.Database, id: string, version: string): unknown {
    const r = db.prepare('SELECT definition FROM service_app_versions WHERE id = ? AND version = ?').get(id, version) as { definition: string } | undefined;
    return r && parse(r.definition);
  },
  deployments(db: Database.Database): StoredDeployment[] {
    const rows = db.prepare('SELECT id, app_id, plan FROM service_deployments ORDER BY id').all() as { id: string; app_id: string; plan: string }[];
    return rows.map((r) => ({ id: r.id, appId: r.app_id, plan: parse(r.plan) }));
  },
  instances(db: Database.Database): StoredInstance[] {
    const rows = db.prepare('SELECT task_id, app_id, record FROM service_instances ORDER BY task_id').all() as { task_id: string; app_id: string; record: string }[];
    return rows.map((r) => ({ taskId: r.task_id, appId: r.app_id, record: parse(r.record) }));
  },
  groups(db: Database.Database): StoredGroup[] {
    const rows = db.prepare('SELECT id, definition FROM service_groups ORDER BY id').all() as { id: string; definition: string }[];
    return rows.map((r) => ({ id: r.id, definition: parse(r.definition) }));
  },
  /** Root versions, newest first. */
  groupVersions(db: Database.Database): string[] {
    const rows = db.prepare('SELECT version FROM service_group_versions ORDER BY version DESC').all() as { version: string }[];
    return rows.map((r) => r.version);
  },
  groupVersion(db: Database.Database, version: string): StoredRoot | undefined {
    const r = db.prepare('SELECT root FROM service_group_versions WHERE version = ?').get(version) as { root: string } | undefined;
    return r && (parse(r.root) as StoredRoot);
  },
  launchDelays(db: Database.Database): StoredLaunchDelay[] {
    const rows = db.prepare('SELECT app_id, failures, delay_until FROM service_launch_delays').all() as { app_id: string; failures: number; delay_until: number }[];
    return rows.map((r) => ({ appId: r.app_id, failures: r.failures, delayUntil: r.delay_until }));
  },
};

function applyAppChange(db: Database.Database, cmd: AppChange): void {
  if (cmd.app === null) {
    db.prepare('DELETE FROM service_apps WHERE id = ?').run(cmd.appId);
    db.prepare('DELETE FROM service_app_versions WHERE id = ?').run(cmd.appId);
    db.prepare('DELETE FROM service_launch_delays WHERE app_id = ?').run(cmd.appId);
  } else {
    const definition = JSON.stringify(cmd.app.definition);
    db.prepare('INSERT INTO service_apps (id, version, definition) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET version=excluded.version, definition=excluded.definition')
      .run(cmd.appId, cmd.app.version, definition);
    db.prepare('INSERT OR REPLACE INTO service_app_versions (id, version, definition) VALUES (?, ?, ?)').run(cmd.appId, cmd.app.version, definition);
    db.prepare('DELETE FROM service_app_versions WHERE id = ? AND version NOT IN (SELECT version FROM service_app_versions WHERE id = ? ORDER BY version DESC LIMIT ?)')
      .run(cmd.appId, cmd.appId, MAX_APP_VERSIONS);
    if (cmd.resetDelay) db.prepare('DELETE FROM service_launch_delays WHERE app_id = ?').run(cmd.appId);
  }
}

/** Records the root as it now is under `version`, keeping the newest MAX_GROUP_VERSIONS within MAX_GROUP_VERSIONS_CHARS. */
function recordRoot(db: Database.Database, version: string | undefined): void {
  if (version === undefined) return;
  const apps = (db.prepare('SELECT definition FROM service_apps ORDER BY id').all() as { definition: string }[]).map((r) => r.definition);
  const groups = (db.prepare('SELECT definition FROM service_groups ORDER BY id').all() as { definition: string }[]).map((r) => r.definition);
  // The rows are JSON already: joined as they are rather than parsed and serialized again.
  const root = `{"apps":[${apps.join(',')}],"groups":[${groups.join(',')}]}`;
  db.prepare('INSERT OR REPLACE INTO service_group_versions (version, root) VALUES (?, ?)').run(version, root);
  const kept = db.prepare('SELECT version, length(root) AS chars FROM service_group_versions ORDER BY version DESC').all() as { version: string; chars: number }[];
  let chars = 0;
  kept.forEach((v, i) => {
    chars += v.chars;
    if (i > 0 && (i >= MAX_GROUP_VERSIONS || chars > MAX_GROUP_VERSIONS_CHARS)) db.prepare('DELETE FROM service_group_versions WHERE version = ?').run(v.version);
  });
}

export const servicesModule: ReplicatedModule<ServicesCommand> = {
  name: 'services',
  apply: {
    SERVICES_FRAMEWORK_ID: (db, cmd) => {
      db.prepare("INSERT INTO service_meta (key, value) VALUES ('framework_id', ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value").run(cmd.frameworkId);
    },
    SERVICES_DEPLOY: (db, cmd) => {
      for (const id of cmd.removeDeployments) db.prepare('DELETE FROM service_deployments WHERE id = ?').run(id);
      applyAppChange(db, cmd);
      if (cmd.deployment !== null) {
        db.prepare('INSERT OR REPLACE INTO service_deployments (id, app_id, plan) VALUES (?, ?, ?)').run(cmd.deployment.id, cmd.deployment.appId, JSON.stringify(cmd.deployment.plan));
      }
      recordRoot(db, cmd.rootVersion);
    },
    SERVICES_DEPLOY_GROUP: (db, cmd) => {
      for (const id of cmd.removeDeployments) db.prepare('DELETE FROM service_deployments WHERE id = ?').run(id);
      for (const change of cmd.apps) applyAppChange(db, change);
      for (const id of cmd.removeGroups) db.prepare('DELETE FROM service_groups WHERE id = ?').run(id);
      for (const g of cmd.groups) {
        db.prepare('INSERT INTO service_groups (id, definition) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET definition=excluded.definition').run(g.id, JSON.stringify(g.definition));
      }
      db.prepare('INSERT OR REPLACE INTO service_deployments (id, app_id, plan) VALUES (?, ?, ?)').run(cmd.deployment.id, cmd.deployment.appId, JSON.stringify(cmd.deployment.plan));
      recordRoot(db, cmd.rootVersion);
    },
    SERVICES_GROUPS_PATCH: (db, cmd) => {
      for (const g of cmd.groups) {
        db.prepare('INSERT INTO service_groups (id, definition) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET definition=excluded.definition').run(g.id, JSON.stringify(g.definition));
      }
    },
    SERVICES_DEPLOYMENTS_DONE: (db, cmd) => {
      for (const id of cmd.ids) db.prepare('DELETE FROM service_deployments WHERE id = ?').run(id);
    },
    SERVICES_INSTANCES_LAUNCHED: (db, cmd) => {
      for (const i of cmd.instances) {
        db.prepare('INSERT OR REPLACE INTO service_instances (task_id, app_id, record) VALUES (?, ?, ?)').run(i.taskId, i.appId, JSON.stringify(i.record));
      }
    },
    SERVICES_INSTANCES_REMOVED: (db, cmd) => {
      for (const id of cmd.taskIds) db.prepare('DELETE FROM service_instances WHERE task_id = ?').run(id);
    },
    SERVICES_LAUNCH_DELAY: (db, cmd) => {
      if (cmd.failures <= 0) db.prepare('DELETE FROM service_launch_delays WHERE app_id = ?').run(cmd.appId);
      else {
        db.prepare('INSERT INTO service_launch_delays (app_id, failures, delay_until) VALUES (?, ?, ?) ON CONFLICT(app_id) DO UPDATE SET failures=excluded.failures, delay_until=excluded.delay_until')
          .run(cmd.appId, cmd.failures, cmd.delayUntil);
      }
    },
  },
  tables: [
    { name: 'service_meta' }, { name: 'service_apps' }, { name: 'service_app_versions' }, { name: 'service_deployments' },
    { name: 'service_instances' }, { name: 'service_launch_delays' }, { name: 'service_groups' },
    { name: 'service_group_versions' },
  ],
};
