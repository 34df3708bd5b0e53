// What the Raft driver replicates into: any state machine that lives in a SQLite database.
// The driver keeps its own log (raft_* tables) in the same database file so that persisting
// a Ready and applying its committed entries is one transaction (see driver.ts): the applied
// index and the log can never disagree after a crash.
import type Database from 'better-sqlite3';
import type { Entry } from './core/types.js';

export interface StateMachine {
  /** The database holding the state machine; the driver opens its log and runs its transactions on it. */
  readonly db: Database.Database;
  /**
   * Applies the committed entry at `index`. `command` is a normal entry's payload, or null for
   * an entry that carries none (a leader's no-op, a membership change), which still advances
   * the applied index. Runs inside the driver's transaction; must be deterministic and
   * idempotent for `index <= appliedIndex()` (replay after a crash). Throwing is fatal:
   * an entry this binary cannot decode must not be skipped.
   */
  applyEntry(index: number, command: Uint8Array | null): void;
  /** An image of the replicated state at `appliedIndex()`. */
  snapshot(): Uint8Array;
  /** Replaces the replicated state with `bytes` (an image taken at `index`; empty = empty state). */
  restore(bytes: Uint8Array, index: number): void;
  appliedIndex(): number;
}

/** The payload a committed entry hands to the state machine (see StateMachine.applyEntry). */
export function entryPayload(e: Entry): Uint8Array | null {
  return e.type === 'normal' ? e.data : null;
}
