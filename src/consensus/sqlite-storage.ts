// Raft storage in a SQLite database shared with the registry (tables prefixed raft_).
import type Database from 'better-sqlite3';
import type { PersistedState } from './core/raft.js';
import type { ConfState, Entry, EntryType, HardState, Snapshot } from './core/types.js';
import { EMPTY_HARD_STATE, type Storage, type StorageUpdate } from './storage.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS raft_hard_state (
  id INTEGER PRIMARY KEY CHECK (id = 1), term INTEGER NOT NULL, vote TEXT NOT NULL, commit_index INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS raft_entries (
  idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, type TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS raft_snapshot (
  id INTEGER PRIMARY KEY CHECK (id = 1), idx INTEGER NOT NULL, term INTEGER NOT NULL, conf TEXT NOT NULL, data BLOB NOT NULL);
`;

interface EntryRow { idx: number; term: number; type: string; data: Buffer }
interface SnapshotRow { idx: number; term: number; conf: string; data: Buffer }
interface HardRow { term: number; vote: string; commit_index: number }

const toEntry = (r: EntryRow): Entry => ({ index: r.idx, term: r.term, type: r.type as EntryType, data: new Uint8Array(r.data) });

export class SqliteStorage implements Storage {
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly saveTx: (u: StorageUpdate) => void;

  /** Takes an open database (possibly shared); switches it to WAL with fsync on every commit. */
  constructor(db: Database.Database) {
    this.db = db;
    db.pragma('journal_mode = WAL');
    // FULL: the WAL is fsynced at each commit, so save() returning means the write is durable.
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
    this.stmts = {
      hard: db.prepare<[], HardRow>('SELECT term, vote, commit_index FROM raft_hard_state WHERE id = 1'),
      putHard: db.prepare('INSERT OR REPLACE INTO raft_hard_state (id, term, vote, commit_index) VALUES (1, ?, ?, ?)'),
      snap: db.prepare<[], SnapshotRow>('SELECT idx, term, conf, data FROM raft_snapshot WHERE id = 1'),
      putSnap: db.prepare('INSERT OR REPLACE INTO raft_snapshot (id, idx, term, conf, data) VALUES (1, ?, ?, ?, ?)'),
      range: db.prepare<[number, number], EntryRow>('SELECT idx, term, type, data FROM raft_entries WHERE idx >= ? AND idx < ? ORDER BY idx'),
      all: db.prepare<[], EntryRow>('SELECT idx, term, type, data FROM raft_entries ORDER BY idx'),
      last: db.prepare<[], { idx: number | null }>('SELECT MAX(idx) AS idx FROM raft_entries'),
      deleteFrom: db.prepare('DELETE FROM raft_entries WHERE idx >= ?'),
      deleteUpTo: db.prepare('DELETE FROM raft_entries WHERE idx <= ?'),
      deleteAll: db.prepare('DELETE FROM raft_entries'),
      insert: db.prepare('INSERT INTO raft_entries (idx, term, type, data) VALUES (?, ?, ?, ?)'),
    };
    this.saveTx = db.transaction((u: StorageUpdate) => this.apply(u));
  }

  load(): PersistedState {
    return { hardState: this.hardState(), snapshot: this.snapshot(), entries: this.stmts.all.all().map(toEntry) };
  }

  save(update: StorageUpdate): void {
    this.saveTx(update);
  }

  private apply(u: StorageUpdate): void {
    if (u.snapshot) {
      this.stmts.deleteAll.run();
      this.putSnapshot(u.snapshot);
    }
    if (u.compaction && u.compaction.index > (this.snapshot()?.index ?? 0)) {
      this.stmts.deleteUpTo.run(u.compaction.index);
      this.putSnapshot(u.compaction);
    }
    const first = u.entries[0];
    if (first) {
      if (first.index > this.lastIndex() + 1) throw new Error(`gap: appending ${first.index} after ${this.lastIndex()}`);
      this.stmts.deleteFrom.run(first.index);
      for (const e of u.entries) this.stmts.insert.run(e.index, e.term, e.type, Buffer.from(e.data));
    }
    if (u.hardState) this.stmts.putHard.run(u.hardState.term, u.hardState.vote, u.hardState.commit);
  }

  private putSnapshot(s: Snapshot): void {
    // A view, not a copy (Buffer.from(Uint8Array) copies): a snapshot can be hundreds of MB.
    this.stmts.putSnap.run(s.index, s.term, JSON.stringify(s.confState), Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength));
  }

  hardState(): HardState {
    const r = this.stmts.hard.get();
    return r ? { term: r.term, vote: r.vote, commit: r.commit_index } : EMPTY_HARD_STATE;
  }

  snapshot(): Snapshot | null {
    const r = this.stmts.snap.get();
    if (!r) return null;
    return { index: r.idx, term: r.term, confState: JSON.parse(r.conf) as ConfState, data: new Uint8Array(r.data) };
  }

  firstIndex(): number {
    return (this.snapshot()?.index ?? 0) + 1;
  }

  lastIndex(): number {
    return this.stmts.last.get()?.idx ?? this.snapshot()?.index ?? 0;
  }

  entries(lo: number, hi: number): Entry[] {
    return this.stmts.range.all(lo, hi).map(toEntry);
  }
}
