import type Database from 'better-sqlite3';

// Schema by numbered migrations; PRAGMA user_version records the last one applied.
// Never edit a released migration: add a new one.
const MIGRATIONS: readonly string[] = [
  // 1: the command log, applied-index bookkeeping, agents, frameworks
  `
  CREATE TABLE registry_log (idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, command TEXT NOT NULL);
  CREATE TABLE registry_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE agents (
    id TEXT PRIMARY KEY, hostname TEXT NOT NULL, ip TEXT NOT NULL, port INTEGER NOT NULL,
    resources TEXT NOT NULL, attributes TEXT NOT NULL, registered_at INTEGER NOT NULL
  );
  CREATE TABLE frameworks (id TEXT PRIMARY KEY, info TEXT NOT NULL, registered_at INTEGER NOT NULL);
  CREATE TABLE removed_frameworks (id TEXT PRIMARY KEY, removed_at INTEGER NOT NULL);
  `,
  // 2: agents that did not come back in time after a failover (Mesos registry `unreachable`)
  `
  CREATE TABLE unreachable_agents (id TEXT PRIMARY KEY, since INTEGER NOT NULL);
  `,
  // 3: the pre-Raft single-voter command log; the Raft log (raft_* tables) replaced it
  `
  DROP TABLE IF EXISTS registry_log;
  `,
  // 4: role weights and quotas (hierarchical DRF, QUOTA_V2); resources in the Mesos text syntax
  `
  CREATE TABLE role_weights (role TEXT PRIMARY KEY, weight REAL NOT NULL);
  CREATE TABLE role_quotas (role TEXT PRIMARY KEY, guarantee TEXT NOT NULL, quota_limit TEXT);
  `,
  // 5: when a disconnected framework is removed (wall-clock ms): its failover timeout survives a master failover
  `
  CREATE TABLE framework_deadlines (id TEXT PRIMARY KEY, deadline INTEGER NOT NULL);
  `,
  // 6: the operator's settings on agents: deactivated, drain state and config (JSON)
  `
  CREATE TABLE agent_maintenance (id TEXT PRIMARY KEY, deactivated INTEGER NOT NULL, drain TEXT);
  `,
  // 7: the maintenance schedule and the DOWN machines (one JSON row)
  `
  CREATE TABLE maintenance (id INTEGER PRIMARY KEY CHECK (id = 1), value TEXT NOT NULL);
  `,
  // 8: the cluster CA (one row) and join tokens (secrets stored hashed)
  `
  CREATE TABLE cluster_ca (id INTEGER PRIMARY KEY CHECK (id = 1), cert TEXT NOT NULL, key TEXT NOT NULL, created_at INTEGER NOT NULL);
  CREATE TABLE join_tokens (
    id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, role TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    max_uses INTEGER, uses INTEGER NOT NULL DEFAULT 0, revoked_at INTEGER
  );
  `,
  // 9: the built-in services scheduler (Marathon-compatible): apps, their versions, deployments, the
  // instances it launched (so a new leader neither duplicates nor forgets them), launch delays,
  // its framework id. Definitions and plans are JSON the services layer owns.
  `
  CREATE TABLE service_apps (id TEXT PRIMARY KEY, version TEXT NOT NULL, definition TEXT NOT NULL);
  CREATE TABLE service_app_versions (id TEXT NOT NULL, version TEXT NOT NULL, definition TEXT NOT NULL, PRIMARY KEY (id, version));
  CREATE TABLE service_deployments (id TEXT PRIMARY KEY, app_id TEXT NOT NULL, plan TEXT NOT NULL);
  CREATE TABLE service_instances (task_id TEXT PRIMARY KEY, app_id TEXT NOT NULL, record TEXT NOT NULL);
  CREATE TABLE service_launch_delays (app_id TEXT PRIMARY KEY, failures INTEGER NOT NULL, delay_until INTEGER NOT NULL);
  CREATE TABLE service_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  // 10: services groups made explicitly (POST/PUT /v2/groups): they exist without apps and carry
  // dependencies; groups implied by app ids need no row. The definition is JSON the services layer owns.
  `
  CREATE TABLE service_groups (id TEXT PRIMARY KEY, definition TEXT NOT NULL);
  `,
  // 11: principals (frameworks and operators) with their secrets hashed (scrypt, salted)
  `
  CREATE TABLE principals (name TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
  `,
  // 12: the dynamic reservations the master made on each agent (RESERVE / UNRESERVE), as JSON Resource[]
  `
  CREATE TABLE agent_reservations (agent_id TEXT PRIMARY KEY, resources TEXT NOT NULL);
  `,
  // 13: versions of the services root group (Marathon's root versions): after every services write,
  // the apps and explicit groups as they then were (JSON), by the write's version; GET
  // /v2/groups/{id}/versions lists them and PUT /v2/groups/{id} {"version"} rolls back to one.
  `
  CREATE TABLE service_group_versions (version TEXT PRIMARY KEY, root TEXT NOT NULL);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`registry schema version ${current} is newer than this binary supports (${MIGRATIONS.length})`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
