// Durable Raft state: hard state, log entries and the latest snapshot.
import type { PersistedState } from './core/raft.js';
import type { Entry, HardState, Snapshot } from './core/types.js';

/** The persistent part of a Ready (a Ready can be passed as is). */
export interface StorageUpdate {
  readonly hardState?: HardState;
  /** From the leader: replaces the whole log. */
  readonly snapshot?: Snapshot;
  /** Local compaction: drops entries <= its index. */
  readonly compaction?: Snapshot;
  /** Truncates any stored entries from entries[0].index on, then appends. */
  readonly entries: readonly Entry[];
}

export interface Storage {
  /** Everything a RaftNode needs to restart. */
  load(): PersistedState;
  /**
   * Applies one update atomically, in the order snapshot, compaction, entries, hardState,
   * and returns only once it is durable: the caller sends messages right after.
   */
  save(update: StorageUpdate): void;
  hardState(): HardState;
  snapshot(): Snapshot | null;
  /** Index of the first stored entry (snapshot index + 1). */
  firstIndex(): number;
  /** Index of the last stored entry, or the snapshot index if there is none. */
  lastIndex(): number;
  /** Stored entries in [lo, hi). */
  entries(lo: number, hi: number): Entry[];
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: '', commit: 0 };

/** Keeps everything in memory; for tests and the simulation (a "disk" that survives restarts). */
export class MemoryStorage implements Storage {
  private hard: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot | null = null;
  private log: Entry[] = [];

  load(): PersistedState {
    return { hardState: this.hard, snapshot: this.snap, entries: [...this.log] };
  }

  save(u: StorageUpdate): void {
    if (u.snapshot) {
      this.snap = u.snapshot;
      this.log = [];
    }
    if (u.compaction && u.compaction.index > (this.snap?.index ?? 0)) {
      const c = u.compaction;
      this.log = this.log.filter((e) => e.index > c.index);
      this.snap = c;
    }
    const first = u.entries[0];
    if (first) {
      if (first.index > this.lastIndex() + 1) throw new Error(`gap: appending ${first.index} after ${this.lastIndex()}`);
      this.log = this.log.filter((e) => e.index < first.index).concat(u.entries);
    }
    if (u.hardState) this.hard = u.hardState;
  }

  hardState(): HardState { return this.hard; }
  snapshot(): Snapshot | null { return this.snap; }
  firstIndex(): number { return (this.snap?.index ?? 0) + 1; }
  lastIndex(): number { return (this.snap?.index ?? 0) + this.log.length; }

  entries(lo: number, hi: number): Entry[] {
    return this.log.filter((e) => e.index >= lo && e.index < hi);
  }
}
