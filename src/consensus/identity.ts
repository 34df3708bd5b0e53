// Which master a data directory belongs to (node ids are `ip:port`), next to the Raft log.
import type Database from 'better-sqlite3';
import type { PersistedState } from './core/raft.js';
import type { ConfState, NodeId } from './core/types.js';

const SCHEMA = 'CREATE TABLE IF NOT EXISTS raft_identity (id INTEGER PRIMARY KEY CHECK (id = 1), node TEXT NOT NULL)';

export function storedIdentity(db: Database.Database): NodeId | undefined {
  db.exec(SCHEMA);
  return (db.prepare('SELECT node FROM raft_identity WHERE id = 1').get() as { node: string } | undefined)?.node;
}

export function setIdentity(db: Database.Database, id: NodeId): void {
  db.exec(SCHEMA);
  db.prepare('INSERT OR REPLACE INTO raft_identity (id, node) VALUES (1, ?)').run(id);
}

/** Membership in force at the end of a persisted log. */
export function persistedConf(p: PersistedState): ConfState {
  for (let i = p.entries.length - 1; i >= 0; i--) {
    const e = p.entries[i]!;
    if (e.type === 'confChange') return (JSON.parse(new TextDecoder().decode(e.data)) as { after: ConfState }).after;
  }
  return p.snapshot?.confState ?? { voters: [], learners: [] };
}

const REMOVED_SCHEMA = 'CREATE TABLE IF NOT EXISTS raft_removed (id INTEGER PRIMARY KEY CHECK (id = 1), conf_index INTEGER NOT NULL)';

/** This node applied the membership change (at `confIndex`) that removed it: it must not take part again. */
export function markRemoved(db: Database.Database, confIndex: number): void {
  db.exec(REMOVED_SCHEMA);
  db.prepare('INSERT OR REPLACE INTO raft_removed (id, conf_index) VALUES (1, ?)').run(confIndex);
}

/** The index of the change that removed this node, if it was removed. */
export function removedAt(db: Database.Database): number | undefined {
  db.exec(REMOVED_SCHEMA);
  return (db.prepare('SELECT conf_index FROM raft_removed WHERE id = 1').get() as { conf_index: number } | undefined)?.conf_index;
}
