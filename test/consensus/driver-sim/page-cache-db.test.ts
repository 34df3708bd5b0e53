// The page-cache model is itself tested: on a real SQLite file, what was committed at
// synchronous=FULL (or checkpointed) survives a crash, what was committed at NORMAL and never
// followed by an fsync vanishes, and SQLite's recovery opens what is left.
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/process.js';
import { PageCacheDb } from './page-cache-db.js';

const opened: PageCacheDb[] = [];
afterEach(() => {
  for (const d of opened.splice(0)) d.close();
});

function fresh(): { disk: PageCacheDb; db: Database.Database } {
  const disk = PageCacheDb.inDir(tempDir());
  opened.push(disk);
  const db = disk.open();
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (v INTEGER PRIMARY KEY)');
  return { disk, db };
}

const rows = (db: Database.Database): number[] => (db.prepare('SELECT v FROM t ORDER BY v').all() as { v: number }[]).map((r) => r.v);
const insert = (db: Database.Database, v: number): void => {
  db.prepare('INSERT INTO t (v) VALUES (?)').run(v);
};

describe('PageCacheDb', () => {
  it('a crash keeps commits made at synchronous=FULL and loses those made at NORMAL since', () => {
    const { disk, db } = fresh();
    insert(db, 1);
    db.pragma('synchronous = NORMAL');
    insert(db, 2);
    db.transaction(() => insert(db, 3))();
    expect(rows(db)).toEqual([1, 2, 3]); // visible before the crash
    disk.crash();
    expect(rows(disk.open())).toEqual([1]);
    expect(disk.stats.lostWalBytes).toBeGreaterThan(0);
  });

  it('a later synced commit makes the earlier unsynced ones durable (the WAL is sequential)', () => {
    const { disk, db } = fresh();
    db.pragma('synchronous = NORMAL');
    insert(db, 1);
    db.pragma('synchronous = FULL');
    db.transaction(() => insert(db, 2))();
    db.pragma('synchronous = NORMAL');
    insert(db, 3);
    disk.crash();
    expect(rows(disk.open())).toEqual([1, 2]);
  });

  it('a checkpoint makes everything durable; what follows it unsynced is lost', () => {
    const { disk, db } = fresh();
    db.pragma('synchronous = NORMAL');
    insert(db, 1);
    disk.checkpoint();
    insert(db, 2);
    disk.crash();
    const again = disk.open();
    expect(rows(again)).toEqual([1]);
    // A reopened database keeps working, and the model with it.
    again.pragma('synchronous = NORMAL');
    insert(again, 5);
    disk.crash();
    expect(rows(disk.open())).toEqual([1]);
  });

  it('the image of an earlier moment wins over writes made after it (a crash decided mid-way)', () => {
    const { disk, db } = fresh();
    insert(db, 1);
    const then = disk.image();
    insert(db, 2); // synced, but after the moment of the crash
    disk.crash(then);
    expect(rows(disk.open())).toEqual([1]);
  });

  it('the mode is read from the connection at each commit, not from what the caller meant', () => {
    const { disk, db } = fresh();
    // Prepared pragma statements take effect when prepared (see driver-persist.ts): preparing
    // FULL then NORMAL leaves the connection at NORMAL, and running the FULL one changes nothing.
    const full = db.prepare('PRAGMA synchronous = FULL');
    db.prepare('PRAGMA synchronous = NORMAL');
    full.run();
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    insert(db, 1);
    disk.crash();
    expect(rows(disk.open())).toEqual([]);
  });

  it('a clean close keeps everything', () => {
    const { disk, db } = fresh();
    db.pragma('synchronous = NORMAL');
    insert(db, 1);
    disk.close();
    expect(rows(disk.open())).toEqual([1]);
  });
});
