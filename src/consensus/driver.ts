// The Raft driver: owns a RaftNode, its clock ticks, durable storage (SqliteStorage in
// the registry's own database file), the peer transport and the registry state machine.
//
// One Ready is handled synchronously, in the core's order:
//   1. one SQLite transaction (WAL, synchronous=FULL: fsynced before commit returns) that
//      persists the Ready (snapshot, compaction, entries, hard state), restores the
//      registry from a received snapshot and applies the committed entries — so the
//      registry's applied index and the Raft log can never disagree after a crash;
//   2. only then the messages go out (a vote or an ack never outlives a crash) — except a
//      leader's appends and heartbeats, which go out just before its own write, so the
//      followers' fsyncs overlap the leader's (etcd-raft does the same). That is safe: they
//      acknowledge nothing, no term or vote change is pending (checked), and the leader only
//      counts itself towards a commit once its entries are durable, because an append's
//      response is handled by this single-threaded loop only after the synchronous write
//      of the Ready that sent it has returned;
//   3. proposals and reads waiting on applied entries are released;
//   4. advance(ready); only after that do listeners run (they may call back into us).
import type { Entry, Message, NodeId, Ready, Role } from './core/types.js';
import { RaftNode, type PersistedState } from './core/raft.js';
import { decodeConfChange, isLearner, isVoter, makeConf } from './core/conf.js';
import { SqliteStorage } from './sqlite-storage.js';
import type { Transport } from './transport.js';
import type { Registry } from '../registry/registry.js';
import { decodeCommand } from '../registry/commands.js';
import type { Clock, Timer } from '../lib/clock.js';
import type { Rng } from '../lib/rng.js';
import type { Logger } from '../lib/log.js';
import { TsmesosError, type ErrorCode } from '../domain/errors.js';
import { persistedConf, setIdentity, storedIdentity } from './identity.js';
import { rewriteAsSoleMember } from './recover.js';
import type { ConfChange } from './core/types.js';

export interface RaftDriverOptions {
  /** This node's id: its `ip:port` (node ids are addresses). */
  id: NodeId;
  registry: Registry;
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
  /** Take a registry image every this many applied entries (default 10,000). */
  compactEvery?: number;
  /** ...and compact the log up to it once this many more are applied (default 1,000): a tail for slow followers. */
  compactKeep?: number;
  /** An unrecoverable local error (disk, corrupt entry): the process should exit. */
  onFatal?: (e: unknown) => void;
}

export type DriverRole = Role | 'learner';

export interface PeerProgress { id: NodeId; match: number; next: number; state: string }

export interface DriverStatus {
  id: NodeId;
  role: DriverRole;
  term: number;
  lead: NodeId;
  commit: number;
  applied: number;
  firstIndex: number;
  lastIndex: number;
  snapshotIndex: number;
  voters: readonly NodeId[];
  learners: readonly NodeId[];
  /** Leader only: how far each member's log matches ours. */
  progress?: PeerProgress[];
}

interface Waiter {
  term: number;
  resolve(index: number): void;
  reject(e: Error): void;
}

interface PendingRead {
  index: number;
  resolve(): void;
  reject(e: Error): void;
  timer: Timer;
}

const raftError = (code: string, reason: string): TsmesosError => {
  const c: ErrorCode = code === 'NOT_LEADER' ? 'NOT_LEADER' : code === 'BAD_REQUEST' ? 'BAD_REQUEST' : 'UNAVAILABLE';
  return new TsmesosError(c, reason);
};

export class RaftDriver {
  readonly id: NodeId;
  private readonly node: RaftNode;
  private readonly storage: SqliteStorage;
  private readonly tx: (rd: Ready) => void;
  private ticker: Timer | null = null;
  private scheduled = false;
  private stopped = false;
  private readonly proposals = new Map<number, Waiter>();
  private readonly reads = new Map<string, PendingRead>();
  private readonly readyReads: PendingRead[] = [];
  private readSeq = 0;
  private appliedTerm = 0;
  private readonly listeners = new Set<() => void>();
  /** Registry image taken at `index`, waiting for the tail to grow before compacting to it. */
  private pendingImage: { index: number; data: Uint8Array } | null = null;
  private readonly compactEvery: number;
  private readonly compactKeep: number;
  private lastImageAt: number;
  private readonly electionTicks: number;
  /** Term and vote last persisted; `syncMode` is the connection's current synchronous=FULL. */
  private synced: { term: number; vote: NodeId };
  private syncMode = true;
  private readonly setSync: { full: () => void; normal: () => void };

  constructor(private readonly opts: RaftDriverOptions) {
    this.id = opts.id;
    const reg = opts.registry;
    this.storage = new SqliteStorage(reg.db);
    this.compactEvery = opts.compactEvery ?? 10_000;
    this.compactKeep = Math.min(opts.compactKeep ?? 1_000, this.compactEvery);
    let persisted: PersistedState = this.storage.load();
    const fresh = persisted.snapshot === null && persisted.entries.length === 0 && persisted.hardState.term === 0;
    const previousId = storedIdentity(reg.db);
    if (!fresh && previousId !== undefined && previousId !== opts.id) {
      const conf = persistedConf(persisted);
      if (conf.learners.length > 0 || conf.voters.length !== 1 || conf.voters[0] !== previousId) {
        throw new TsmesosError('BAD_REQUEST', `this data directory belongs to master ${previousId} of a ${conf.voters.length}-member cluster, not ${opts.id}: start it with that --ip/--port (or run \`tsmesos recover --force-new-cluster\`)`);
      }
      // The sole member moved (new --ip/--port): nobody else can hold a quorum, so re-address it.
      opts.logger.info('sole master changed address; rewriting membership', { from: previousId, to: opts.id });
      rewriteAsSoleMember(reg, this.storage, opts.id);
      persisted = this.storage.load();
    }
    setIdentity(reg.db, opts.id);
    if (fresh && reg.appliedIndex() > 0) {
      if (opts.bootstrapVoters.length > 0) {
        // A registry written before Raft (single-voter log): adopt it as the initial snapshot.
        const applied = reg.appliedIndex();
        opts.logger.info('adopting the existing registry as the initial Raft snapshot', { index: applied });
        this.storage.save({
          snapshot: { index: applied, term: 1, confState: makeConf(opts.bootstrapVoters), data: reg.snapshot() },
          hardState: { term: 1, vote: '', commit: applied },
          entries: [],
        });
        persisted = this.storage.load();
      } else {
        // Joining: everything comes from the leader; a stale local registry would shadow it.
        reg.restore(new Uint8Array(), 0);
      }
    }
    if (persisted.snapshot && persisted.snapshot.index > reg.appliedIndex()) {
      // Crash between persisting a snapshot and restoring it (cannot happen with the single
      // transaction below, but cheap to handle).
      reg.restore(persisted.snapshot.data, persisted.snapshot.index);
    }
    const commit = Math.max(persisted.hardState.commit, persisted.snapshot?.index ?? 0);
    const applied = Math.min(reg.appliedIndex(), commit);
    this.electionTicks = Math.max(2, Math.round(opts.electionTimeoutMs / opts.heartbeatIntervalMs));
    this.node = new RaftNode({
      id: opts.id, voters: opts.bootstrapVoters, electionTicks: this.electionTicks, heartbeatTicks: 1,
      randomInt: (n) => Math.floor(opts.rng.next() * n), preVote: true, checkQuorum: true, applied,
    }, persisted);
    this.appliedTerm = this.node.log.term(applied) ?? 0;
    this.synced = { term: persisted.hardState.term, vote: persisted.hardState.vote };
    this.lastImageAt = Math.max(applied, persisted.snapshot?.index ?? 0);
    this.tx = reg.db.transaction((rd: Ready) => this.persistAndApply(rd));
    const full = reg.db.prepare('PRAGMA synchronous = FULL');
    const normal = reg.db.prepare('PRAGMA synchronous = NORMAL');
    this.setSync = { full: () => full.run(), normal: () => normal.run() };
  }

  // ---- lifecycle -------------------------------------------------------------------------

  start(): void {
    if (this.ticker || this.stopped) return;
    this.ticker = this.opts.clock.setInterval(() => this.tick(), this.opts.heartbeatIntervalMs);
    const conf = this.node.conf;
    // A sole voter need not wait an election timeout to lead.
    if (conf.voters.length === 1 && conf.voters[0] === this.id) this.node.campaign();
    this.schedule();
  }

  /** Stops ticking and talking; pending proposals and reads fail. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    if (!this.opts.registry.db.open) {
      this.stopped = true;
    } else {
      this.process();
      this.stopped = true;
    }
    this.ticker?.cancel();
    this.ticker = null;
    this.failPending(new TsmesosError('UNAVAILABLE', 'this master is shutting down'));
    this.opts.transport.close();
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  // ---- inputs ----------------------------------------------------------------------------

  receive(m: Message): void {
    if (this.stopped || m.to !== this.id) return;
    this.node.step(m);
    this.schedule();
  }

  /** Resolves with the entry's index once it is committed and applied here. */
  propose(data: Uint8Array): Promise<number> {
    if (this.stopped) return Promise.reject(new TsmesosError('UNAVAILABLE', 'this master is shutting down'));
    const r = this.node.propose(data);
    if (!r.ok) return Promise.reject(raftError(r.code, r.reason));
    return this.waitApplied(r.index, r.term);
  }

  /** Membership change (one at a time); resolves once applied here. */
  proposeConfChange(cc: ConfChange): Promise<number> {
    if (this.stopped) return Promise.reject(new TsmesosError('UNAVAILABLE', 'this master is shutting down'));
    const r = this.node.proposeConfChange(cc);
    if (!r.ok) return Promise.reject(raftError(r.code, r.reason));
    return this.waitApplied(r.index, r.term);
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
    return new Promise<void>((resolve, reject) => {
      const timer = this.opts.clock.setTimeout(() => {
        if (this.reads.delete(ctx)) reject(new TsmesosError('TIMEOUT', 'read barrier: no quorum confirmed leadership in time'));
        const i = this.readyReads.findIndex((p) => p.timer === timer);
        if (i >= 0) {
          this.readyReads.splice(i, 1);
          reject(new TsmesosError('TIMEOUT', 'read barrier: entries not applied in time'));
        }
      }, timeoutMs);
      this.reads.set(ctx, { index: r.index, resolve, reject, timer });
      this.schedule();
    });
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
    const s = this.node.status();
    const role: DriverRole = isLearner(s.conf, this.id) ? 'learner' : s.role;
    return {
      id: this.id, role, term: s.term, lead: s.lead, commit: s.commit, applied: s.applied,
      firstIndex: s.firstIndex, lastIndex: s.lastIndex, snapshotIndex: this.node.log.snapshot.index,
      voters: s.conf.voters, learners: s.conf.learners,
      ...(s.role === 'leader'
        ? {
            progress: [
              { id: this.id, match: s.lastIndex, next: s.lastIndex + 1, state: 'self' },
              ...[...this.node.progress.entries()].map(([id, p]) => ({ id, match: p.match, next: p.next, state: p.state })),
            ],
          }
        : {}),
    };
  }

  // ---- the Ready loop --------------------------------------------------------------------

  private tick(): void {
    if (this.stopped) return;
    this.node.tick();
    if (this.node.role === 'leader') this.autoPromote();
    this.schedule();
  }

  /** Learners added with `masters add` become voters once they have caught up. */
  private autoPromote(): void {
    const conf = this.node.conf;
    for (const l of conf.learners) {
      const pr = this.node.progress.get(l);
      if (pr && pr.match >= this.node.log.committed && this.node.log.lastConfIndex() <= this.node.log.committed) {
        const r = this.node.proposeConfChange({ type: 'promote', node: l });
        if (r.ok) this.opts.logger.info('promoting caught-up learner', { node: l, index: r.index });
        return;
      }
    }
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
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
      this.failPending(new TsmesosError('INTERNAL', 'raft driver failed'));
      this.opts.onFatal?.(e);
      return;
    }
    if (changed) for (const fn of [...this.listeners]) fn();
  }

  private handle(rd: Ready): void {
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
    if (this.node.role === 'leader' && !termOrVote && rd.snapshot === undefined && after.length > 0) {
      const early = after.filter((m) => m.type === 'append' || m.type === 'heartbeat');
      if (early.length > 0) {
        after = after.filter((m) => m.type !== 'append' && m.type !== 'heartbeat');
        this.opts.transport.send(early);
      }
    }
    this.tx(rd);
    if (hs) this.synced = { term: hs.term, vote: hs.vote };
    this.opts.transport.send(after);
    if (rd.snapshot) {
      this.appliedTerm = rd.snapshot.term;
      this.lastImageAt = rd.snapshot.index;
      this.pendingImage = null;
      for (const [i, w] of this.proposals) {
        if (i <= rd.snapshot.index) {
          this.proposals.delete(i);
          w.reject(new TsmesosError('UNAVAILABLE', 'replaced by a snapshot from the leader; outcome unknown'));
        }
      }
      this.opts.logger.info('installed snapshot', { index: rd.snapshot.index, term: rd.snapshot.term });
    }
    for (const e of rd.committedEntries) {
      this.appliedTerm = e.term;
      const w = this.proposals.get(e.index);
      if (w) {
        this.proposals.delete(e.index);
        if (w.term === e.term) w.resolve(e.index);
        else w.reject(new TsmesosError('UNAVAILABLE', 'the proposal was overwritten by a new leader; retry'));
      }
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
    for (const rs of rd.readStates) {
      const p = this.reads.get(rs.context);
      if (!p) continue;
      this.reads.delete(rs.context);
      this.readyReads.push({ ...p, index: rs.index });
    }
    this.releaseReads();
    this.maybeCompact();
  }

  /** Runs inside one SQLite transaction (see the top of this file). */
  private persistAndApply(rd: Ready): void {
    this.storage.save(rd);
    const reg = this.opts.registry;
    if (rd.snapshot) reg.restore(rd.snapshot.data, rd.snapshot.index);
    for (const e of rd.committedEntries) this.applyEntry(e);
  }

  private applyEntry(e: Entry): void {
    const reg = this.opts.registry;
    if (e.type === 'normal') reg.apply(e.index, decodeCommand(new TextDecoder().decode(e.data)));
    // noop and confChange entries change no table but advance the applied index; the core
    // derives membership from the log itself.
    else reg.apply(e.index, { type: 'NOOP' });
  }

  private stepDownCleanup(): void {
    if (this.node.role === 'leader') return;
    if (this.proposals.size > 0 || this.reads.size > 0 || this.readyReads.length > 0) {
      this.failPending(new TsmesosError('NOT_LEADER', `leadership lost${this.node.lead ? `; the leader is ${this.node.lead}` : ''}; the outcome of in-flight proposals is unknown`));
    }
  }

  private failPending(err: TsmesosError): void {
    for (const w of this.proposals.values()) w.reject(err);
    this.proposals.clear();
    for (const p of this.reads.values()) {
      p.timer.cancel();
      p.reject(err);
    }
    this.reads.clear();
    for (const p of this.readyReads.splice(0)) {
      p.timer.cancel();
      p.reject(err);
    }
  }

  private releaseReads(): void {
    const applied = this.node.log.applied;
    for (let i = 0; i < this.readyReads.length;) {
      const p = this.readyReads[i]!;
      if (applied >= p.index) {
        this.readyReads.splice(i, 1);
        p.timer.cancel();
        p.resolve();
      } else {
        i++;
      }
    }
  }

  private waitApplied(index: number, term: number): Promise<number> {
    this.schedule();
    return new Promise<number>((resolve, reject) => this.proposals.set(index, { term, resolve, reject }));
  }

  /**
   * The registry can only be imaged at its current applied index, so an image is taken
   * every `compactEvery` entries and the log is compacted up to it `compactKeep` entries
   * later: followers slightly behind still catch up from the log, not a snapshot.
   */
  private maybeCompact(): void {
    const log = this.node.log;
    if (this.pendingImage && log.applied >= this.pendingImage.index + this.compactKeep) {
      const img = this.pendingImage;
      this.pendingImage = null;
      if (img.index > log.snapshot.index && img.index <= log.stableIndex) {
        const r = this.node.compact(img.index, img.data);
        if (r.ok) this.opts.logger.debug('compacted the raft log', { index: img.index });
        this.schedule();
      }
    }
    if (!this.pendingImage && log.applied - this.lastImageAt >= this.compactEvery) {
      this.pendingImage = { index: log.applied, data: this.opts.registry.snapshot() };
      this.lastImageAt = log.applied;
    }
  }

  /** @internal for tests */
  get raft(): RaftNode {
    return this.node;
  }

  isVoter(id: NodeId): boolean {
    return isVoter(this.node.conf, id);
  }
}
