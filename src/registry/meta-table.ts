import type Database from 'better-sqlite3';

// One module per table: small key/value facts such as the applied index.
export const metaTable = {
  get(db: Database.Database, key: string): string | undefined {
    const r = db.prepare('SELECT value FROM registry_meta WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value;
  },
  set(db: Database.Database, key: string, value: string): void {
    db.prepare('INSERT INTO registry_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value').run(key, value);
  },
  appliedIndex(db: Database.Database): number {
    return Number(metaTable.get(db, 'applied_index') ?? '0');
  },
};
