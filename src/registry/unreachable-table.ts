import type Database from 'better-sqlite3';

// One module per table: agents marked unreachable, with the time they were marked.
export const unreachableTable = {
  mark(db: Database.Database, id: string, since: number): void {
    db.prepare('INSERT INTO unreachable_agents (id, since) VALUES (?, ?) ON CONFLICT(id) DO NOTHING').run(id, since);
  },
  clear(db: Database.Database, id: string): void {
    db.prepare('DELETE FROM unreachable_agents WHERE id = ?').run(id);
  },
  list(db: Database.Database): { id: string; since: number }[] {
    return db.prepare('SELECT id, since FROM unreachable_agents ORDER BY id').all() as { id: string; since: number }[];
  },
};
