import type Database from 'better-sqlite3';

// Prepared once per connection: apply() reads and writes the applied index for every entry.
const statements = new WeakMap<Database.Database, { get: Database.Statement; set: Database.Statement }>();
const stmts = (db: Database.Database): { get: Database.Statement; set: Database.Statement } => {
  let s = statements.get(db);
  if (!s) {
    s = {
      get: db.prepare('SELECT value FROM registry_meta WHERE key = ?'),
      set: db.prepare('INSERT INTO registry_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value'),
    };
    statements.set(db, s);
  }
  return s;
};

// One module per table: small key/value facts such as the applied index.
export const metaTable = {
  get(db: Database.Database, key: string): string | undefined {
    const r = stmts(db).get.get(key) as { value: string } | undefined;
    return r?.value;
  },
  set(db: Database.Database, key: string, value: string): void {
    stmts(db).set.run(key, value);
  },
  appliedIndex(db: Database.Database): number {
    return Number(metaTable.get(db, 'applied_index') ?? '0');
  },
};
