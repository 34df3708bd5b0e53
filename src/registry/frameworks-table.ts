import type Database from 'better-sqlite3';
import { decode, encode } from '../wire/codec.js';
import { FrameworkInfo } from '../wire/mesos.js';
import type { ReplicatedModule } from './replicated-module.js';

// One module per table: `frameworks` and the tombstones in `removed_frameworks`.

export interface FrameworkRecord {
  id: string;
  info: FrameworkInfo;
  registeredAt: number;
}

/** A stored framework with its failover deadline (wall-clock ms) when it is disconnected. */
export interface StoredFramework extends FrameworkRecord {
  failoverDeadline: number | null;
}

export type FrameworkCommand =
  | { type: 'ADD_FRAMEWORK'; framework: FrameworkRecord }
  | { type: 'UPDATE_FRAMEWORK'; framework: FrameworkRecord }
  | { type: 'REMOVE_FRAMEWORK'; frameworkId: string; at: number }
  /** Disconnected (deadline set: removed then unless it resubscribes) or reconnected (null). */
  | { type: 'SET_FRAMEWORK_DEADLINE'; frameworkId: string; deadline: number | null };

interface FrameworkRow { id: string; info: string; registered_at: number }

const fromRow = (r: FrameworkRow): FrameworkRecord => ({
  id: r.id,
  // Stored as v1 JSON; decoding fills what older rows left out (roles: [], ...).
  info: decode(FrameworkInfo, JSON.parse(r.info), `frameworks[${r.id}].info`),
  registeredAt: r.registered_at,
});

export const frameworksTable = {
  upsert(db: Database.Database, f: FrameworkRecord): void {
    db.prepare(
      `INSERT INTO frameworks (id, info, registered_at) VALUES (?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET info=excluded.info`,
    ).run(f.id, JSON.stringify(encode(FrameworkInfo, f.info)), f.registeredAt);
  },
  setDeadline(db: Database.Database, id: string, deadline: number | null): void {
    if (deadline === null) db.prepare('DELETE FROM framework_deadlines WHERE id = ?').run(id);
    else if (db.prepare('SELECT 1 FROM frameworks WHERE id = ?').get(id) !== undefined) {
      db.prepare('INSERT INTO framework_deadlines (id, deadline) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET deadline=excluded.deadline').run(id, deadline);
    }
  },
  remove(db: Database.Database, id: string, at: number): void {
    db.prepare('DELETE FROM frameworks WHERE id = ?').run(id);
    db.prepare('DELETE FROM framework_deadlines WHERE id = ?').run(id);
    db.prepare('INSERT OR REPLACE INTO removed_frameworks (id, removed_at) VALUES (?, ?)').run(id, at);
  },
  list(db: Database.Database): StoredFramework[] {
    const deadlines = new Map((db.prepare('SELECT id, deadline FROM framework_deadlines').all() as { id: string; deadline: number }[]).map((r) => [r.id, r.deadline]));
    return (db.prepare('SELECT * FROM frameworks ORDER BY id').all() as FrameworkRow[]).map((r) => ({ ...fromRow(r), failoverDeadline: deadlines.get(r.id) ?? null }));
  },
  isRemoved(db: Database.Database, id: string): boolean {
    return db.prepare('SELECT 1 FROM removed_frameworks WHERE id = ?').get(id) !== undefined;
  },
};

export const frameworksModule: ReplicatedModule<FrameworkCommand> = {
  name: 'frameworks',
  apply: {
    ADD_FRAMEWORK: (db, cmd) => frameworksTable.upsert(db, cmd.framework),
    UPDATE_FRAMEWORK: (db, cmd) => frameworksTable.upsert(db, cmd.framework),
    REMOVE_FRAMEWORK: (db, cmd) => frameworksTable.remove(db, cmd.frameworkId, cmd.at),
    SET_FRAMEWORK_DEADLINE: (db, cmd) => frameworksTable.setDeadline(db, cmd.frameworkId, cmd.deadline),
  },
  tables: [{ name: 'frameworks' }, { name: 'removed_frameworks' }, { name: 'framework_deadlines' }],
};
