// The in-memory view of the replicated log: a snapshot followed by entries.
// Entries above `stableIndex` are not yet persisted and are handed out through Ready.
import { decodeConfChange } from './conf.js';
import type { ConfState, Entry, Snapshot } from './types.js';

export class RaftLog {
  /** Last compacted (or received) snapshot; index 0 means "none". */
  snapshot: Snapshot;
  /** entries[i].index === snapshot.index + 1 + i */
  private entries: Entry[];
  committed: number;
  applied: number;
  /** Highest index known to be persisted. */
  stableIndex: number;
  /** A snapshot received from the leader that the caller still has to persist and restore. */
  unstableSnapshot: Snapshot | null = null;
  /** A locally taken snapshot that the caller still has to persist. */
  pendingCompaction: Snapshot | null = null;
  /** Bumped whenever membership in the log may have changed (conf entry added or truncated). */
  confVersion = 0;

  constructor(snapshot: Snapshot, entries: readonly Entry[], committed: number, applied: number) {
    this.snapshot = snapshot;
    this.entries = [...entries];
    this.stableIndex = this.lastIndex();
    this.committed = Math.max(committed, snapshot.index);
    this.applied = Math.max(applied, snapshot.index);
    if (this.committed > this.lastIndex()) throw new Error(`commit ${this.committed} beyond last index ${this.lastIndex()}`);
  }

  firstIndex(): number { return this.snapshot.index + 1; }
  lastIndex(): number { return this.snapshot.index + this.entries.length; }
  lastTerm(): number { return this.term(this.lastIndex()) ?? 0; }

  /** Term at `i`, or undefined if compacted away or beyond the end. */
  term(i: number): number | undefined {
    if (i === this.snapshot.index) return this.snapshot.term;
    if (i < this.snapshot.index || i > this.lastIndex()) return undefined;
    return this.entries[i - this.firstIndex()]!.term;
  }

  entry(i: number): Entry | undefined {
    return i < this.firstIndex() ? undefined : this.entries[i - this.firstIndex()];
  }

  matchTerm(i: number, t: number): boolean { return this.term(i) === t; }

  /** §5.4.1: a vote goes only to a candidate whose log is at least as up to date. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Entries in [lo, hi), at most `max` of them; undefined if lo is compacted. */
  slice(lo: number, hi: number, max: number): Entry[] | undefined {
    if (lo < this.firstIndex()) return undefined;
    const end = Math.min(hi, this.lastIndex() + 1, lo + max);
    if (end <= lo) return [];
    return this.entries.slice(lo - this.firstIndex(), end - this.firstIndex());
  }

  /** Appends, truncating any existing suffix starting at the first new index. */
  append(ents: readonly Entry[]): void {
    const first = ents[0];
    if (first === undefined) return;
    if (first.index <= this.committed) throw new Error(`refusing to overwrite committed entry ${first.index}`);
    if (first.index > this.lastIndex() + 1) throw new Error(`gap: appending ${first.index} after ${this.lastIndex()}`);
    const truncating = first.index <= this.lastIndex();
    this.entries.length = first.index - this.firstIndex();
    this.entries.push(...ents);
    if (truncating || ents.some((e) => e.type === 'confChange')) this.confVersion++;
    this.stableIndex = Math.min(this.stableIndex, first.index - 1);
  }

  /**
   * Follower side of AppendEntries. Returns the last index now known to match the
   * leader, or undefined if (prevIndex, prevTerm) does not match our log.
   */
  maybeAppend(prevIndex: number, prevTerm: number, leaderCommit: number, ents: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + ents.length;
    // Skip entries we already have; a stale, shorter message must never truncate our log.
    let k = 0;
    while (k < ents.length && this.matchTerm(ents[k]!.index, ents[k]!.term)) k++;
    // Mutation testing: '<=' and 'true' append an empty slice; appending all of `ents` rewrites
    // matching entries (above the commit index, which handleAppend guarantees) with themselves.
    if (k < ents.length) this.append(ents.slice(k));
    this.commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  /** Largest index <= index whose term is <= term (etcd's conflict hint). */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    for (; i > this.snapshot.index; i--) {
      if ((this.term(i) ?? 0) <= term) return i;
    }
    return i; // at or below the snapshot: terms unknown, let the leader fall back to it
  }

  commitTo(i: number): void {
    if (i <= this.committed) return; // equivalent as '<': committing to the same index is a no-op
    if (i > this.lastIndex()) throw new Error(`commit ${i} beyond last index ${this.lastIndex()}`);
    this.committed = i;
  }

  unstableEntries(): Entry[] {
    return this.entries.slice(Math.max(0, this.stableIndex + 1 - this.firstIndex()));
  }

  /** Entries committed but not yet applied (they are persisted before being applied: see Ready). */
  nextCommitted(): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    return this.slice(lo, this.committed + 1, Number.MAX_SAFE_INTEGER) ?? [];
  }

  /** Marks entries persisted, unless the log was truncated meanwhile (term no longer matches). */
  stableTo(index: number, term: number): void {
    if (this.matchTerm(index, term) && index > this.stableIndex) this.stableIndex = index; // equivalent as '>=': the same index
  }

  appliedTo(i: number): void {
    if (i > this.committed) throw new Error(`applied ${i} beyond commit ${this.committed}`);
    if (i > this.applied) this.applied = i; // equivalent as '>='
  }

  /** Replaces the whole log with a snapshot from the leader. */
  restore(snap: Snapshot): void {
    this.snapshot = snap;
    this.entries = [];
    this.committed = snap.index;
    this.applied = snap.index;
    this.stableIndex = snap.index;
    this.unstableSnapshot = snap;
    this.pendingCompaction = null;
    this.confVersion++; // equivalent as '--': syncConf only compares for change
  }

  /** Drops entries <= index; the caller vouches that `data` is the state at `index`. */
  compact(index: number, data: Uint8Array, confState: ConfState): Snapshot {
    const term = this.term(index);
    if (term === undefined) throw new Error(`cannot compact to ${index}: not in log`);
    if (index > this.applied) throw new Error(`cannot compact to ${index}: applied only ${this.applied}`);
    if (index > this.stableIndex) throw new Error(`cannot compact to ${index}: persisted only ${this.stableIndex}`);
    const snap: Snapshot = { index, term, confState, data };
    this.entries = this.entries.slice(index + 1 - this.firstIndex());
    this.snapshot = snap;
    this.pendingCompaction = snap;
    return snap;
  }

  /** Membership in force at `index`: the last confChange entry at or before it, else the snapshot's. */
  confAt(index: number): ConfState {
    for (let i = Math.min(index, this.lastIndex()); i >= this.firstIndex(); i--) {
      const e = this.entry(i)!;
      if (e.type === 'confChange') return decodeConfChange(e).after;
    }
    return this.snapshot.confState;
  }

  /** Index of the last confChange entry, or the snapshot index if none is in the log. */
  lastConfIndex(): number {
    for (let i = this.lastIndex(); i >= this.firstIndex(); i--) {
      if (this.entry(i)!.type === 'confChange') return i;
    }
    return this.snapshot.index;
  }
}
