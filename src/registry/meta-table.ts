import type Database from 'better-sqlite3';
import type { ReplicatedModule } from './replicated-module.js';

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

/** Raft no-op or a test marker: applies nothing but advances the applied index. */
export type MetaCommand = { type: 'NOOP' };

/** Keys that are this node's own bookkeeping, never replicated: the snapshot index replaces applied_index. */
const LOCAL_META_KEYS: ReadonlySet<string> = new Set(['applied_index']);

export const metaModule: ReplicatedModule<MetaCommand> = {
  name: 'meta',
  apply: {
    NOOP: () => undefined,
  },
  tables: [{ name: 'registry_meta', isLocalRow: (row) => LOCAL_META_KEYS.has(String(row['key'])) }],
};
