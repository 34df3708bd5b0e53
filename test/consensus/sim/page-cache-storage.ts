// A simulated disk with a page cache, as the driver uses SQLite: a write is visible at once
// but durable only after an fsync (synchronous=FULL commit); a hard crash loses every write
// since the last fsync. A later fsync makes earlier writes durable too (the WAL is sequential).
import type { PersistedState } from '../../../src/consensus/core/raft.js';
import { MemoryStorage, type StorageUpdate } from '../../../src/consensus/storage.js';

export class PageCacheStorage {
  private readonly durable = new MemoryStorage();
  private unsynced: StorageUpdate[] = [];
  lostWrites = 0;

  write(u: StorageUpdate): void {
    this.unsynced.push(u);
  }

  fsync(): void {
    for (const u of this.unsynced) this.durable.save(u);
    this.unsynced = [];
  }

  /** A power cut: whatever was not fsynced is gone. */
  crash(): void {
    this.lostWrites += this.unsynced.length;
    this.unsynced = [];
  }

  /** What a restart finds: the durable state only (call after crash() or fsync()). */
  load(): PersistedState {
    if (this.unsynced.length > 0) throw new Error('load() with unsynced writes: crash() or fsync() first');
    return this.durable.load();
  }
}
