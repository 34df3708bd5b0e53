// Steps 1 and 2 of the driver's Ready loop (see the top of driver.ts): the one SQLite
// transaction that persists a Ready and applies its committed entries, the fsync policy
// around it, and the order in which the Ready's messages leave relative to that write.
import type { Entry, Message, NodeId, Ready, Role } from './core/types.js';
import type { PersistedState, RaftNode } from './core/raft.js';
import type { SqliteStorage } from './sqlite-storage.js';
import { entryPayload } from './state-machine.js';
import type { RaftDriverOptions } from './driver.js';

export interface WritePlan {
  /** Sent before the write: a leader's replication traffic (etcd's parallel append). */
  readonly early: readonly Message[];
  /** Sent after the write (and its fsync, if any). */
  readonly after: readonly Message[];
  /** Commit with synchronous=FULL (fsync) rather than NORMAL. */
  readonly fsync: boolean;
}

/** `synced`: the term and vote last persisted. */
export type PlanWrite = (rd: Ready, role: Role, synced: { readonly term: number; readonly vote: NodeId }) => WritePlan;

/**
 * The persistence policy, pure so that the driver and the simulations use the very same one.
 * Only what the messages of this Ready vouch for needs an fsync before they leave: new
 * entries, a snapshot, a compaction, a new term or vote. A Ready that merely applies committed
 * entries (and bumps the commit index) commits without one: the entries are already durable,
 * the commit index may be lost (it is re-learned from the leader) and re-applying after a
 * crash is idempotent. The WAL is sequential, so a later synced commit flushes it too.
 * A leader's appends and heartbeats leave before the write (see the top of driver.ts), unless
 * the Ready changes the term or vote or installs a snapshot; everything else after it.
 */
export const planWrite: PlanWrite = (rd, role, synced) => {
  const hs = rd.hardState;
  const termOrVote = hs !== undefined && (hs.term !== synced.term || hs.vote !== synced.vote);
  const fsync = rd.entries.length > 0 || rd.snapshot !== undefined || rd.compaction !== undefined || termOrVote;
  // Mutation testing: the role and snapshot tests are each equivalent alone (only a leader
  // sends append/heartbeat; a leader installs no snapshot).
  if (role !== 'leader' || termOrVote || rd.snapshot !== undefined) return { early: [], after: rd.messages, fsync };
  const isEarly = (m: Message): boolean => m.type === 'append' || m.type === 'heartbeat';
  return { early: rd.messages.filter(isEarly), after: rd.messages.filter((m) => !isEarly(m)), fsync };
};

export class ReadyWriter {
  private readonly tx: (rd: Ready) => void;
  /** Term and vote last persisted; `syncMode` is the connection's current synchronous=FULL. */
  private synced: { term: number; vote: NodeId };
  private syncMode = true; // SqliteStorage opened the connection at FULL (false would only cost one extra switch)
  private readonly setSync: { full: () => void; normal: () => void };
  private readonly plan: PlanWrite;

  constructor(
    private readonly opts: RaftDriverOptions,
    private readonly node: RaftNode,
    private readonly storage: SqliteStorage,
    persisted: PersistedState,
  ) {
    const db = opts.stateMachine.db;
    this.synced = { term: persisted.hardState.term, vote: persisted.hardState.vote };
    this.plan = opts.planWrite ?? planWrite;
    this.tx = db.transaction((rd: Ready) => this.persistAndApply(rd));
    // Not prepared statements: SQLite applies PRAGMA synchronous when the statement is
    // *prepared*, so preparing both left the connection at NORMAL (no fsync at commit in WAL
    // mode) while this class believed FULL, and a later run() of the FULL one did nothing.
    this.setSync = { full: () => db.pragma('synchronous = FULL'), normal: () => db.pragma('synchronous = NORMAL') };
  }

  /** Persists and applies `rd`, and sends its messages as planWrite() decides. */
  write(rd: Ready): void {
    const plan = this.plan(rd, this.node.role, this.synced);
    if (plan.fsync !== this.syncMode) {
      if (plan.fsync) this.setSync.full();
      else this.setSync.normal();
      this.syncMode = plan.fsync;
    }
    if (plan.early.length > 0) this.opts.transport.send(plan.early); // equivalent without the test: sending [] is a no-op
    this.tx(rd);
    if (rd.hardState) this.synced = { term: rd.hardState.term, vote: rd.hardState.vote };
    this.opts.transport.send(plan.after);
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
