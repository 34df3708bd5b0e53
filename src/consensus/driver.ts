// The Raft driver: owns a RaftNode, its clock ticks, durable storage (SqliteStorage in
// the state machine's own database file), the peer transport and the state machine it
// replicates into (a StateMachine: the master's registry in production).
//
// One Ready is handled synchronously, in the core's order:
//   1. one SQLite transaction (WAL, synchronous=FULL: fsynced before commit returns) that
//      persists the Ready (snapshot, compaction, entries, hard state), restores the
//      state machine from a received snapshot and applies the committed entries — so the
//      state machine's applied index and the Raft log can never disagree after a crash;
//   2. only then the messages go out (a vote or an ack never outlives a crash) — except a
//      leader's appends and heartbeats, which go out just before its own write, so the
//      followers' fsyncs overlap the leader's (etcd-raft does the same). That is safe: they
//      acknowledge nothing, no term or vote change is pending (checked), and the leader only
//      counts itself towards a commit once its entries are durable, because an append's
//      response is handled by this single-threaded loop only after the synchronous write
//      of the Ready that sent it has returned;
//   3. proposals and reads waiting on applied entries are released;
//   4. advance(ready); only after that do listeners run (they may call back into us).
//
// Steps 1-2 live in driver-persist.ts (ReadyWriter, with the policy as the pure planWrite), the waiters of step 3 in
// driver-waiters.ts, log compaction in driver-compact.ts, and the data directory's
// identity/bootstrap, learner promotion and status in driver-membership.ts.
import type { Message, NodeId, Ready } from './core/types.js';
import { RaftNode } from './core/raft.js';
import { decodeConfChange, isVoter } from './core/conf.js';
import { RemovalWatch } from './driver-removal.js';
import { SqliteStorage } from './sqlite-storage.js';
import type { Transport } from './transport.js';
import type { StateMachine } from './state-machine.js';
import type { Clock, Timer } from '../lib/clock.js';
import type { Rng } from '../lib/rng.js';
import type { Logger } from '../lib/log.js';
import { TsmesosError, type ErrorCode } from '../domain/errors.js';
import type { ConfChange } from './core/types.js';
import { autoPromote, driverStatus, loadPersisted, type DriverStatus } from './driver-membership.js';
import { Compactor } from './driver-compact.js';
import { ReadyWriter, type PlanWrite } from './driver-persist.js';
import { Waiters } from './driver-waiters.js';
import { SnapshotTransfers, type SnapshotTransferStats } from './driver-snapshots.js';

export interface RaftDriverOptions {
  /** This node's id: its `ip:port` (node ids are addresses). */
  id: NodeId;
  /** What committed entries are applied to; the Raft log is kept in its database. */
  stateMachine: StateMachine;
  /**
   * Used only when this node has no Raft state yet: the initial voters (self included) of
   * a brand-new cluster, or [] for a node that will join an existing cluster as a learner.
   */
  bootstrapVoters: readonly NodeId[];
  transport: Transport;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  /** One tick; the leader heartbeats every tick. */
  heartbeatIntervalMs: number;
  /** Followers campaign after a random timeout in [electionTimeout, 2*electionTimeout). */
  electionTimeoutMs: number;
  /** Take a state machine image every this many applied entries (default 10,000). */
  compactEvery?: number;
  /** ...and compact the log up to it once this many more are applied (default 1,000): a tail for slow followers. */
  compactKeep?: number;
  /** Entries per append message (default 64, the core's)... */
  maxBatchEntries?: number;
  /** ...and append messages in flight per follower (default 256). */
  maxInflight?: number;
  /** Snapshots travel in chunks of this many bytes (default 1 MiB)... */
  snapshotChunkBytes?: number;
  /** ...at most this many unacknowledged at a time (default 4). */
  snapshotWindow?: number;
  /**
   * A committed membership change removed this node: it has stopped taking part (and will not
   * again from this data directory); the process should exit. Also called at start() when
   * the data directory belongs to a removed node.
   */
  onRemoved?: (info: { confIndex: number; voters: readonly NodeId[] }) => void;
  /** An unrecoverable local error (disk, corrupt entry): the process should exit. */
  onFatal?: (e: unknown) => void;
  /**
   * Runs the Ready loop soon, after the current event (default setImmediate). A deterministic
   * simulation passes its own scheduler (test/consensus/driver-sim).
   */
  defer?: (fn: () => void) => void;
  /**
   * The persistence policy (default planWrite, driver-persist.ts). Only tests pass another:
   * the simulation plants ordering bugs through it to prove that it catches them.
   */
  planWrite?: PlanWrite;
}

export type { DriverRole, DriverStatus, PeerProgress } from './driver-membership.js';

const raftError = (code: string, reason: string): TsmesosError => {
  const c: ErrorCode = code === 'NOT_LEADER' ? 'NOT_LEADER' : code === 'BAD_REQUEST' ? 'BAD_REQUEST' : 'UNAVAILABLE';
  return new TsmesosError(c, reason);
};

export class RaftDriver {
  readonly id: NodeId;
  private readonly node: RaftNode;
  private readonly writer: ReadyWriter;
  private ticker: Timer | null = null;
  private scheduled = false;
  private stopped = false;
  private readonly defer: (fn: () => void) => void;
  private readonly waiters: Waiters;
  private readSeq = 0;
  private appliedTerm = 0;
  private readonly listeners = new Set<() => void>();
  private readonly compactor: Compactor;
  private readonly electionTicks: number;
  private readonly transfers: SnapshotTransfers;
  private readonly removal: RemovalWatch;

  constructor(private readonly opts: RaftDriverOptions) {
    this.id = opts.id;
    this.defer = opts.defer ?? setImmediate;
    const sm = opts.stateMachine;
    const storage = new SqliteStorage(sm.db);
    this.waiters = new Waiters(opts.clock, () => this.schedule());
    const persisted = loadPersisted(opts, storage);
    const commit = Math.max(persisted.hardState.commit, persisted.snapshot?.index ?? 0);
    const applied = Math.min(sm.appliedIndex(), commit);
    this.electionTicks = Math.max(2, Math.round(opts.electionTimeoutMs / opts.heartbeatIntervalMs));
    this.node = new RaftNode({
      id: opts.id, voters: opts.bootstrapVoters, electionTicks: this.electionTicks, heartbeatTicks: 1,
      randomInt: (n) => Math.floor(opts.rng.next() * n), preVote: true, checkQuorum: true, applied,
      ...(opts.maxBatchEntries !== undefined ? { maxBatchEntries: opts.maxBatchEntries } : {}),
      ...(opts.maxInflight !== undefined ? { maxInflight: opts.maxInflight } : {}),
    }, persisted);
    this.appliedTerm = this.node.log.term(applied) ?? 0;
    this.compactor = new Compactor(opts, this.node, () => this.schedule(), Math.max(applied, persisted.snapshot?.index ?? 0));
    this.writer = new ReadyWriter(opts, this.node, storage, persisted);
    this.transfers = new SnapshotTransfers(opts, this.node);
    this.removal = new RemovalWatch(opts.id, this.node, sm.db);
  }

  // ---- lifecycle -------------------------------------------------------------------------

  start(): void {
    if (this.ticker || this.stopped) return;
    const earlier = this.removal.removedAt;
    if (earlier !== undefined) {
      this.leave(earlier, 'this node was removed from the cluster earlier; it does not take part again');
      return;
    }
    this.ticker = this.opts.clock.setInterval(() => this.tick(), this.opts.heartbeatIntervalMs);
    const conf = this.node.conf;
    // A sole voter need not wait an election timeout to lead.
    if (conf.voters.length === 1 && conf.voters[0] === this.id) this.node.campaign();
    this.schedule();
  }

  /** Stops ticking and talking; pending proposals and reads fail. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    if (!this.opts.stateMachine.db.open) {
      this.stopped = true;
    } else {
      this.process();
      this.stopped = true;
    }
    this.ticker?.cancel();
    this.ticker = null;
    this.waiters.failPending(new TsmesosError('UNAVAILABLE', 'this master is shutting down'));
    this.transfers.stop();
    this.opts.transport.close();
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  // ---- inputs ----------------------------------------------------------------------------

  receive(m: Message): void {
    if (this.stopped || m.to !== this.id) return;
    if (!this.transfers.receive(m)) this.node.step(m);
    this.schedule();
  }

  /**
   * A peer's stream into us broke off. If it is our leader and its port now refuses
   * connections, its process is gone: campaign soon rather than after a whole election
   * timeout (see RaftNode.leaderUnreachable). A partitioned leader times out the check instead.
   */
  peerStreamBroken(from: NodeId): void {
    const transport = this.opts.transport;
    if (this.stopped || !transport.refusesConnections || from !== this.node.lead || this.node.role === 'leader') return;
    void transport.refusesConnections(from).then((refused) => {
      if (!refused || this.stopped || this.node.lead !== from) return;
      this.opts.logger.info('the leader is gone (its port refuses connections): campaigning early', { leader: from });
      this.node.leaderUnreachable(from);
      this.schedule();
    });
  }

  /** Resolves with the entry's index once it is committed and applied here. */
  propose(data: Uint8Array): Promise<number> {
    if (this.stopped) return Promise.reject(new TsmesosError('UNAVAILABLE', 'this master is shutting down'));
    const r = this.node.propose(data);
    if (!r.ok) return Promise.reject(raftError(r.code, r.reason));
    return this.waiters.waitApplied(r.index, r.term);
  }

  /** Membership change (one at a time); resolves once applied here. */
  proposeConfChange(cc: ConfChange): Promise<number> {
    if (this.stopped) return Promise.reject(new TsmesosError('UNAVAILABLE', 'this master is shutting down'));
    const r = this.node.proposeConfChange(cc);
    if (!r.ok) return Promise.reject(raftError(r.code, r.reason));
    return this.waiters.waitApplied(r.index, r.term);
  }

  /**
   * Linearizable read barrier (ReadIndex): resolves once this node has confirmed with a
   * quorum that it is still the leader and has applied everything committed before the
   * call. ReadIndex rather than a leader lease because a lease trusts bounded clock drift
   * and pauses: a leader stalled in GC or SIGSTOP past its lease would serve stale reads,
   * whereas ReadIndex costs one heartbeat round and depends on no clock at all.
   */
  readBarrier(timeoutMs = 2 * this.opts.electionTimeoutMs): Promise<void> {
    if (this.stopped) return Promise.reject(new TsmesosError('UNAVAILABLE', 'this master is shutting down'));
    const ctx = `${this.id}/${++this.readSeq}`;
    const r = this.node.readIndex(ctx);
    if (!r.ok) return Promise.reject(raftError(r.code, r.reason));
    return this.waiters.waitRead(ctx, r.index, timeoutMs);
  }

  /**
   * Hands leadership to the most up-to-date other voter and waits (bounded) until this node
   * is no longer leader. Resolves false if there was nobody to hand over to or it timed out.
   */
  async transferLeadership(timeoutMs: number): Promise<boolean> {
    if (this.stopped || this.node.role !== 'leader') return false;
    let best: NodeId = '';
    let bestMatch = -1;
    for (const v of this.node.conf.voters) {
      if (v === this.id) continue;
      const m = this.node.progress.get(v)?.match ?? 0;
      if (m > bestMatch) {
        best = v;
        bestMatch = m;
      }
    }
    if (!best) return false;
    const r = this.node.transferLeadership(best);
    if (!r.ok) return false;
    this.opts.logger.info('transferring leadership', { to: best });
    this.schedule();
    const deadline = this.opts.clock.monotonic() + timeoutMs;
    while (this.opts.clock.monotonic() < deadline) {
      if (this.node.role !== 'leader') return true;
      await new Promise<void>((resolve) => this.opts.clock.setTimeout(resolve, 10));
    }
    return this.node.role !== 'leader';
  }

  // ---- queries ---------------------------------------------------------------------------

  isLeader(): boolean {
    return !this.stopped && this.node.role === 'leader';
  }

  /** Leader whose first entry of its own term is applied here: its state machine is current. */
  leaderReady(): boolean {
    return this.isLeader() && this.appliedTerm === this.node.term && this.node.leadTransferee === '';
  }

  leaderId(): NodeId {
    return this.stopped ? '' : this.node.lead;
  }

  status(): DriverStatus {
    return driverStatus(this.node, this.id);
  }

  // ---- the Ready loop --------------------------------------------------------------------

  private tick(): void {
    if (this.stopped || this.removal.removedAt !== undefined) return;
    this.node.tick();
    if (this.node.role === 'leader') autoPromote(this.node, this.opts.logger);
    this.transfers.tick();
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    this.defer(() => {
      this.scheduled = false;
      this.process();
    });
  }

  private process(): void {
    if (this.stopped) return;
    let changed = false;
    try {
      for (let i = 0; i < 1000; i++) {
        const rd = this.node.ready();
        if (!rd) break;
        this.handle(rd);
        changed = true;
      }
    } catch (e) {
      this.opts.logger.error('raft driver failed', { error: e instanceof Error ? e.stack : String(e) });
      this.stopped = true;
      this.ticker?.cancel();
      this.waiters.failPending(new TsmesosError('INTERNAL', 'raft driver failed'));
      this.opts.onFatal?.(e);
      return;
    }
    if (changed) {
      // After the Readies went out: a leader that removed itself has sent the commit (and its TimeoutNow).
      const removedAt = this.removal.check();
      if (removedAt !== undefined) this.leave(removedAt, 'this node was removed from the cluster; it stops taking part');
      for (const fn of [...this.listeners]) fn();
    }
  }

  private leave(confIndex: number, why: string): void {
    const voters = this.node.conf.voters;
    this.opts.logger.info(why, { index: confIndex, voters });
    this.ticker?.cancel();
    this.ticker = null;
    // A heartbeat's time for the last messages to leave before the transport closes.
    this.opts.clock.setTimeout(() => {
      this.stop();
      this.opts.onRemoved?.({ confIndex, voters });
    }, this.opts.heartbeatIntervalMs);
  }

  /** The index of the committed change that removed this node, if one did. */
  removedFromCluster(): number | undefined {
    return this.removal.removedAt;
  }

  private handle(rd: Ready): void {
    const messages = this.transfers.outgoing(rd.messages);
    this.writer.write(messages === rd.messages ? rd : { ...rd, messages });
    this.transfers.pump();
    if (rd.snapshot) {
      this.appliedTerm = rd.snapshot.term;
      this.compactor.snapshotInstalled(rd.snapshot.index);
      this.waiters.snapshotInstalled(rd.snapshot.index);
      this.opts.logger.info('installed snapshot', { index: rd.snapshot.index, term: rd.snapshot.term });
    }
    for (const e of rd.committedEntries) {
      this.appliedTerm = e.term;
      this.waiters.entryApplied(e);
      if (e.type === 'confChange') {
        const rec = decodeConfChange(e);
        this.opts.logger.info('membership changed', { index: e.index, change: rec.change, voters: rec.after.voters, learners: rec.after.learners });
      }
    }
    this.node.advance(rd);
    if (rd.softState) {
      if (rd.softState.role === 'leader') this.opts.logger.info('became leader', { term: rd.softState.term });
      else this.stepDownCleanup();
      if (rd.softState.lead !== '' && rd.softState.lead !== this.id) this.opts.logger.debug('following', { lead: rd.softState.lead, term: rd.softState.term });
    }
    this.waiters.readsConfirmed(rd.readStates);
    this.waiters.releaseReads(this.node.log.applied);
    this.compactor.maybeCompact();
  }

  private stepDownCleanup(): void {
    if (this.node.role === 'leader') return;
    if (this.waiters.hasPending()) {
      this.waiters.failPending(new TsmesosError('NOT_LEADER', `leadership lost${this.node.lead ? `; the leader is ${this.node.lead}` : ''}; the outcome of in-flight proposals is unknown`));
    }
  }

  /** @internal for tests and benches */
  get snapshotTransferStats(): Readonly<SnapshotTransferStats> {
    return this.transfers.stats;
  }

  /** @internal for tests */
  get raft(): RaftNode {
    return this.node;
  }

  isVoter(id: NodeId): boolean {
    return isVoter(this.node.conf, id);
  }
}
