import type Database from 'better-sqlite3';
import { metaTable } from './meta-table.js';
import { SNAPSHOT_TABLES } from './modules.js';

// A whole-registry image for Raft snapshots: every replicated table (declared by the modules
// in modules.ts) as rows of JSON, restored in one transaction. The local bookkeeping rows
// (applied_index) are not part of the image: the snapshot index replaces them.

interface Image {
  readonly format: 1;
  readonly tables: Record<string, Record<string, unknown>[]>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The replicated state as bytes. Call inside (or between) applies: it reads one consistent view. */
export function snapshotRegistry(db: Database.Database): Uint8Array {
  const image: Image = {
    format: 1,
    tables: db.transaction(() => {
      const out: Record<string, Record<string, unknown>[]> = {};
      for (const t of SNAPSHOT_TABLES) {
        const rows = db.prepare(`SELECT * FROM ${t.name} ORDER BY rowid`).all() as Record<string, unknown>[];
        const isLocal = t.isLocalRow;
        out[t.name] = isLocal ? rows.filter((r) => !isLocal(r)) : rows;
      }
      return out;
    })(),
  };
  return encoder.encode(JSON.stringify(image));
}

/** Replaces every replicated table with the image and sets the applied index, atomically. */
export function restoreRegistry(db: Database.Database, bytes: Uint8Array, index: number): void {
  const image = (bytes.length === 0 ? { format: 1, tables: {} } : JSON.parse(decoder.decode(bytes))) as Image;
  if (image.format !== 1) throw new Error(`registry snapshot format ${String(image.format)} is not supported by this binary`);
  db.transaction(() => {
    const tables = SNAPSHOT_TABLES.map((t) => t.name);
    for (const t of tables) db.prepare(`DELETE FROM ${t}`).run();
    for (const t of tables) {
      for (const row of image.tables[t] ?? []) {
        const cols = Object.keys(row);
        if (!cols.every((c) => /^[a-z_]+$/.test(c))) throw new Error(`registry snapshot: bad column in ${t}`);
        db.prepare(`INSERT INTO ${t} (${cols.join(', ')}) VALUES (${cols.map((c) => '@' + c).join(', ')})`).run(row);
      }
    }
    metaTable.set(db, 'applied_index', String(index));
  })();
}
