import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SqliteStorage } from '../../src/consensus/sqlite-storage.js';
import { MemoryStorage } from '../../src/consensus/storage.js';
import { storageContract } from './storage.contract.js';

storageContract('MemoryStorage', () => {
  const storage = new MemoryStorage();
  return { storage, reopen: () => storage };
});

const dir = mkdtempSync(join(tmpdir(), 'raft-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

storageContract('SqliteStorage', () => {
  const file = join(dir, `db${n++}.sqlite`);
  let db = new Database(file);
  return {
    storage: new SqliteStorage(db),
    reopen: () => {
      db.close();
      db = new Database(file);
      return new SqliteStorage(db);
    },
  };
});

it('SqliteStorage runs in WAL mode with synchronous=FULL', () => {
  const db = new Database(join(dir, 'pragma.sqlite'));
  new SqliteStorage(db);
  expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(db.pragma('synchronous', { simple: true })).toBe(2);
  db.close();
});
