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

export type FrameworkCommand =
  | { type: 'ADD_FRAMEWORK'; framework: FrameworkRecord }
  | { type: 'UPDATE_FRAMEWORK'; framework: FrameworkRecord }
  | { type: 'REMOVE_FRAMEWORK'; frameworkId: string; at: number };

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
  remove(db: Database.Database, id: string, at: number): void {
    db.prepare('DELETE FROM frameworks WHERE id = ?').run(id);
    db.prepare('INSERT OR REPLACE INTO removed_frameworks (id, removed_at) VALUES (?, ?)').run(id, at);
  },
  list(db: Database.Database): FrameworkRecord[] {
    return (db.prepare('SELECT * FROM frameworks ORDER BY id').all() as FrameworkRow[]).map(fromRow);
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
  },
  tables: [{ name: 'frameworks' }, { name: 'removed_frameworks' }],
};
