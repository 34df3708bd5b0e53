// A state machine of opaque blobs in its own SQLite file, for snapshot transfer tests and the
// snapshot bench: its image is as large as what was written, and is not compressible.
import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import type { StateMachine } from '../../src/consensus/state-machine.js';

export class BlobMachine implements StateMachine {
  constructor(readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS blobs (idx INTEGER PRIMARY KEY, data BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS blob_applied (id INTEGER PRIMARY KEY CHECK (id = 1), idx INTEGER NOT NULL)`);
  }

  applyEntry(index: number, command: Uint8Array | null): void {
    if (index <= this.appliedIndex()) return;
    if (command !== null) this.db.prepare('INSERT INTO blobs (idx, data) VALUES (?, ?)').run(index, Buffer.from(command));
    this.setApplied(index);
  }

  /** Records of [u32 index][u32 length][bytes]. */
  snapshot(): Uint8Array {
    const parts: Buffer[] = [];
    for (const r of this.db.prepare('SELECT idx, data FROM blobs ORDER BY idx').iterate() as Iterable<{ idx: number; data: Buffer }>) {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(r.idx, 0);
      head.writeUInt32BE(r.data.length, 4);
      parts.push(head, r.data);
    }
    return Buffer.concat(parts);
  }

  restore(bytes: Uint8Array, index: number): void {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM blobs').run();
      const insert = this.db.prepare('INSERT INTO blobs (idx, data) VALUES (?, ?)');
      for (let at = 0; at < buf.length;) {
        const idx = buf.readUInt32BE(at);
        const len = buf.readUInt32BE(at + 4);
        insert.run(idx, buf.subarray(at + 8, at + 8 + len));
        at += 8 + len;
      }
      this.setApplied(index);
    })();
  }

  appliedIndex(): number {
    return (this.db.prepare('SELECT idx FROM blob_applied WHERE id = 1').get() as { idx: number } | undefined)?.idx ?? 0;
  }

  /** sha256 of every blob in order, and their total size. */
  digest(): { sha256: string; bytes: number; count: number } {
    const h = crypto.createHash('sha256');
    let bytes = 0;
    let count = 0;
    for (const r of this.db.prepare('SELECT data FROM blobs ORDER BY idx').iterate() as Iterable<{ data: Buffer }>) {
      h.update(r.data);
      bytes += r.data.length;
      count++;
    }
    return { sha256: h.digest('hex'), bytes, count };
  }

  private setApplied(index: number): void {
    this.db.prepare('INSERT OR REPLACE INTO blob_applied (id, idx) VALUES (1, ?)').run(index);
  }
}
