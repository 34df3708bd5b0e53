// Steps 1 and 2 of the driver's Ready loop (see the top of driver.ts): the one SQLite
// transaction that persists a Ready and applies its committed entries, the fsync policy
// around it, and the order in which the Ready's messages leave relative to that write.
import type { Entry, NodeId, Ready } from './core/types.js';
import type { PersistedState, RaftNode } from './core/raft.js';
import type { SqliteStorage } from './sqlite-storage.js';
import { entryPayload } from './state-machine.js';
import type { RaftDriverOptions } from './driver.js';

export class ReadyWriter {
  private readonly tx: (rd: Ready) => void;
  /** Term and vote last persisted; `syncMode` is the connection's current synchronous=FULL. */
  private synced: { term: number; vote: NodeId };
  private syncMode = true; // SqliteStorage opened the connection at FULL (false would only cost one extra switch)
  private readonly setSync: { full: () => void; normal: () => void };

  constructor(
    private readonly opts: RaftDriverOptions,
    private readonly node: RaftNode,
    private readonly storage: SqliteStorage,
    persisted: PersistedState,
  ) {
    const db = opts.stateMachine.db;
    this.synced = { term: persisted.hardState.term, vote: persisted.hardState.vote };
    this.tx = db.transaction((rd: Ready) => this.persistAndApply(rd));
    // Not prepared statements: SQLite applies PRAGMA synchronous when the statement is
    // *prepared*, so preparing both left the connection at NORMAL (no fsync at commit in WAL
    // mode) while this class believed FULL, and a later run() of the FULL one did nothing.
    this.setSync = { full: () => db.pragma('synchronous = FULL'), normal: () => db.pragma('synchronous = NORMAL') };
  }

  /** Persists and applies `rd`, and sends its messages: the leader's replication traffic before the write, the rest after. */
  write(rd: Ready): void {
    // Only what the messages of this Ready vouch for needs an fsync before they leave: new
    // entries, a snapshot, a new term or vote. A Ready that merely applies committed entries
    // (and bumps the commit index) commits without one: the entries are already durable,
    // the commit index may be lost (it is re-learned from the leader) and re-applying after
    // a crash is idempotent. The WAL is sequential, so a later synced commit flushes it too.
    const hs = rd.hardState;
    const sync = rd.entries.length > 0 || rd.snapshot !== undefined || rd.compaction !== undefined ||
      (hs !== undefined && (hs.term !== this.synced.term || hs.vote !== this.synced.vote));
    if (sync !== this.syncMode) {
      if (sync) this.setSync.full();
      else this.setSync.normal();
      this.syncMode = sync;
    }
    let after = rd.messages;
    const termOrVote = hs !== undefined && (hs.term !== this.synced.term || hs.vote !== this.synced.vote);
    // Mutation testing: the role, snapshot and length tests are each equivalent alone (only a
    // leader sends append/heartbeat; a leader installs no snapshot; filtering nothing is nothing).
    if (this.node.role === 'leader' && !termOrVote && rd.snapshot === undefined && after.length > 0) {
      const early = after.filter((m) => m.type === 'append' || m.type === 'heartbeat');
      if (early.length > 0) { // equivalent without the test: sending [] is a no-op
        after = after.filter((m) => m.type !== 'append' && m.type !== 'heartbeat');
        this.opts.transport.send(early);
      }
    }
    this.tx(rd);
    if (hs) this.synced = { term: hs.term, vote: hs.vote };
    this.opts.transport.send(after);
  }

  /** Runs inside one SQLite transaction (see the top of driver.ts). */
  private persistAndApply(rd: Ready): void {
    this.storage.save(rd);
    const sm = this.opts.stateMachine;
    if (rd.snapshot) sm.restore(rd.snapshot.data, rd.snapshot.index);
    for (const e of rd.committedEntries) this.applyEntry(e);
  }

  private applyEntry(e: Entry): void {
    this.opts.stateMachine.applyEntry(e.index, entryPayload(e));
  }
}
