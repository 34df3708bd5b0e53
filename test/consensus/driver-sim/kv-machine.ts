// The driver simulation's state machine: a string map in the node's own SQLite database,
// applied inside the driver's transaction (as the master's registry is). Its image has the
// format of the core simulation's Kv, so the SafetyChecker compares images the same way.
import type Database from 'better-sqlite3';
import type { StateMachine } from '../../../src/consensus/state-machine.js';
import type { PutCommand } from '../sim/kv.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class SqliteKv implements StateMachine {
  private readonly stmts;

  constructor(readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS kv_applied (id INTEGER PRIMARY KEY CHECK (id = 1), idx INTEGER NOT NULL);`);
    this.stmts = {
      get: db.prepare<[string], { v: string }>('SELECT v FROM kv WHERE k = ?'),
      put: db.prepare('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)'),
      all: db.prepare<[], { k: string; v: string }>('SELECT k, v FROM kv ORDER BY k'),
      clear: db.prepare('DELETE FROM kv'),
      applied: db.prepare<[], { idx: number }>('SELECT idx FROM kv_applied WHERE id = 1'),
      setApplied: db.prepare('INSERT OR REPLACE INTO kv_applied (id, idx) VALUES (1, ?)'),
    };
  }

  applyEntry(index: number, command: Uint8Array | null): void {
    if (index <= this.appliedIndex()) return; // replay after a crash
    if (command) {
      const cmd = JSON.parse(decoder.decode(command)) as PutCommand;
      this.stmts.put.run(cmd.key, cmd.value);
    }
    this.stmts.setApplied.run(index);
  }

  snapshot(): Uint8Array {
    return encoder.encode(this.dump());
  }

  restore(bytes: Uint8Array, index: number): void {
    const pairs = bytes.length === 0 ? [] : (JSON.parse(decoder.decode(bytes)) as [string, string][]);
    this.stmts.clear.run();
    for (const [k, v] of pairs) this.stmts.put.run(k, v);
    this.stmts.setApplied.run(index);
  }

  appliedIndex(): number {
    return this.stmts.applied.get()?.idx ?? 0;
  }

  get(key: string): string | undefined {
    return this.stmts.get.get(key)?.v;
  }

  /** Sorted pairs as JSON: equal states serialize identically. */
  dump(): string {
    return JSON.stringify(this.stmts.all.all().map((r) => [r.k, r.v]));
  }
}
