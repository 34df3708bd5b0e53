// A deterministic Raft state machine (etcd-raft style): no clock, no I/O, no randomness of
// its own. The driver calls tick()/step()/propose()..., then drains ready() and advance()s.
import { EMPTY_STATE, type PersistedState, type RaftConfig, type RaftStatus } from './config.js';
import { EMPTY_CONF, applyConfChange, encodeConfChange, hasQuorum, isVoter, makeConf, members } from './conf.js';
import { TRANSFER, hup, inLease, recordVote, reset } from './election.js';
import { handleAppend, handleHeartbeat, handleSnapshot, handleVoteRequest } from './follower.js';
import { bcastAppend, bcastHeartbeat, leaderTick, maybeCommit, readQuorumReached, sendAppend, stepLeader, type PendingRead } from './leader.js';
import { RaftLog } from './log.js';
import { Progress } from './progress.js';
import { advance, hasReady, ready } from './ready.js';
import type {
  ConfChange, ConfState, Entry, EntryType, HardState, Message, NodeId, ReadState, Ready, Result, Role, SoftState,
} from './types.js';

export { EMPTY_STATE, type PersistedState, type RaftConfig, type RaftStatus } from './config.js';
export type { PendingRead } from './leader.js';

export class RaftNode {
  readonly id: NodeId;
  /** @internal handler modules below share this state; treat as read-only outside core. */
  readonly cfg: Required<Omit<RaftConfig, 'learners' | 'applied'>>;
  term = 0;
  vote: NodeId = '';
  lead: NodeId = '';
  role: Role = 'follower';
  readonly log: RaftLog;
  conf: ConfState = EMPTY_CONF;
  /** @internal election.ts reads and writes the fields below (they were private to this class). */
  confVersionSeen = -1;
  progress = new Map<NodeId, Progress>();
  /**
   * Leader only: members removed from the configuration, with the ticks they are still sent
   * appends and heartbeats once their removal is committed, so they learn of it (and can
   * stop) instead of waiting for a leader forever. They never count towards a quorum.
   */
  leaving = new Map<NodeId, number>();
  votes = new Map<NodeId, boolean>();
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  leadTransferee: NodeId = '';
  pendingReads: PendingRead[] = [];
  readStates: ReadState[] = [];
  msgs: Message[] = [];
  /** @internal ready.ts keeps the Ready/advance bookkeeping in these three. */
  prevHard: HardState;
  prevSoft: SoftState;
  awaitingAdvance = false;

  constructor(config: RaftConfig, persisted: PersistedState = EMPTY_STATE) {
    this.id = config.id;
    this.cfg = {
      id: config.id, voters: config.voters, electionTicks: config.electionTicks, heartbeatTicks: config.heartbeatTicks,
      randomInt: config.randomInt, preVote: config.preVote ?? true, checkQuorum: config.checkQuorum ?? true,
      maxBatchEntries: config.maxBatchEntries ?? 64, maxInflight: config.maxInflight ?? 256,
    };
    if (this.cfg.heartbeatTicks >= this.cfg.electionTicks) throw new Error('heartbeatTicks must be < electionTicks');
    const hs = persisted.hardState;
    const snap = persisted.snapshot ?? { index: 0, term: 0, confState: EMPTY_CONF, data: new Uint8Array() };
    this.log = new RaftLog(snap, persisted.entries, hs.commit, config.applied ?? 0);
    this.term = hs.term;
    this.vote = hs.vote;
    this.prevHard = hs;
    const fresh = persisted.snapshot === null && persisted.entries.length === 0 && hs.term === 0;
    if (fresh && config.voters.length > 0) this.bootstrap(makeConf(config.voters, config.learners ?? []));
    this.syncConf();
    this.becomeFollower(this.term, '');
    this.prevSoft = this.softState();
  }

  /** Every initial member writes the same committed entry 1 (term 1) holding the initial membership. */
  private bootstrap(conf: ConfState): void {
    this.log.append([{ index: 1, term: 1, type: 'confChange', data: encodeConfChange({ change: null, after: conf }) }]);
    this.log.commitTo(1);
    this.term = 1;
  }

  // ---- inputs -------------------------------------------------------------------------

  tick(): void {
    if (this.role === 'leader') {
      leaderTick(this);
      return;
    }
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      hup(this, this.cfg.preVote ? 'preVote' : 'election');
    }
  }

  /** Starts an election now (through pre-vote when enabled). */
  campaign(): void {
    hup(this, this.cfg.preVote ? 'preVote' : 'election');
  }

  step(m: Message): void {
    if (m.to !== this.id || m.type === 'snapshotChunk' || m.type === 'snapshotAck') return; // the driver's, see types.ts
    if (m.term > this.term) {
      if ((m.type === 'vote' || m.type === 'preVote') && m.context !== TRANSFER && inLease(this)) return;
      if (m.type === 'preVote' || (m.type === 'preVoteResp' && !m.reject)) {
        // Pre-vote traffic carries a prospective term; it must not move ours.
      } else if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, '');
      }
    } else if (m.term < this.term) {
      // A stale leader learns the newer term and steps down; a stale pre-candidate gives up.
      if (m.type === 'append' || m.type === 'heartbeat') this.send({ type: 'appendResp', to: m.from });
      else if (m.type === 'preVote') this.send({ type: 'preVoteResp', to: m.from, reject: true });
      return;
    }
    if (m.type === 'vote' || m.type === 'preVote') {
      handleVoteRequest(this, m);
      return;
    }
    if (this.role === 'leader') {
      stepLeader(this, m);
      return;
    }
    switch (m.type) {
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        if (this.role !== 'follower') this.becomeFollower(m.term, m.from);
        this.electionElapsed = 0;
        this.lead = m.from;
        if (m.type === 'append') handleAppend(this, m);
        else if (m.type === 'heartbeat') handleHeartbeat(this, m);
        else handleSnapshot(this, m);
        this.syncConf();
        return;
      case 'timeoutNow':
        if (this.role === 'follower') hup(this, 'transfer');
        return;
      case 'preVoteResp':
      case 'voteResp':
        // Only answers to the round we are running count.
        if (m.type === 'preVoteResp' ? this.role === 'preCandidate' : this.role === 'candidate') recordVote(this, m);
        return;
      default:
        return;
    }
  }

  propose(data: Uint8Array | string): Result<{ index: number; term: number }> {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const refused = this.refuseUnlessLeader();
    if (refused) return refused;
    const e = this.appendEntry('normal', bytes);
    bcastAppend(this, false);
    return { ok: true, index: e.index, term: e.term };
  }

  /**
   * One single-server change at a time. The new membership takes effect as soon as the
   * entry is appended (Raft thesis §4.1), on leader and followers alike: any majority of
   * the old and of the new configuration overlap, so no two leaders can be elected. It is
   * safe only while at most one change is uncommitted, and only once the leader has
   * committed an entry of its own term (the fix for the single-server-change bug), so both
   * are enforced here. Truncated conf entries revert membership (see RaftLog.confAt).
   */
  proposeConfChange(cc: ConfChange): Result<{ index: number; term: number }> {
    const refused = this.refuseUnlessLeader();
    if (refused) return refused;
    if (this.log.term(this.log.committed) !== this.term) return this.error('UNAVAILABLE', 'leader has not committed in its term yet');
    if (this.log.lastConfIndex() > this.log.committed) return this.error('UNAVAILABLE', 'a membership change is in progress');
    const after = applyConfChange(this.conf, cc);
    if (typeof after === 'string') return this.error('BAD_REQUEST', after);
    if (cc.type === 'promote' && (this.progress.get(cc.node)?.match ?? 0) < this.log.committed) {
      return this.error('UNAVAILABLE', `learner ${cc.node} has not caught up`);
    }
    const e = this.appendEntry('confChange', encodeConfChange({ change: cc, after }));
    bcastAppend(this, false);
    return { ok: true, index: e.index, term: e.term };
  }

  /**
   * Linearizable read: on success a ReadState{index, context} appears in a later Ready once
   * a quorum confirmed this node is still leader; serve the read once applied >= index.
   * `context` must be unique per request.
   */
  readIndex(context: string): Result<{ index: number }> {
    const refused = this.refuseUnlessLeader();
    if (refused) return refused;
    if (this.log.term(this.log.committed) !== this.term) return this.error('UNAVAILABLE', 'leader has not committed in its term yet');
    const read: PendingRead = { context, index: this.log.committed, acks: new Set([this.id]) };
    this.pendingReads.push(read);
    if (readQuorumReached(this)) return { ok: true, index: read.index }; // equivalent if false for safety: only saves a round
    bcastHeartbeat(this);
    return { ok: true, index: read.index };
  }

  /** Hands leadership to `to` once its log is caught up (TimeoutNow); aborted after an election timeout. */
  transferLeadership(to: NodeId): Result<object> {
    if (this.role !== 'leader') return this.error('NOT_LEADER', 'not the leader');
    if (to === this.id) return { ok: true };
    if (!isVoter(this.conf, to)) return this.error('BAD_REQUEST', `${to} is not a voter`);
    this.leadTransferee = to;
    this.electionElapsed = 0;
    const pr = this.progress.get(to);
    if (pr && pr.match === this.log.lastIndex()) this.send({ type: 'timeoutNow', to });
    else sendAppend(this, to, true);
    return { ok: true };
  }

  /**
   * `from`, our leader, is known to be gone (its port refuses connections): forget it and
   * campaign after a short random delay instead of a whole election timeout. Only liveness
   * rests on this (reads use ReadIndex, not a lease), and pre-vote still needs a quorum that
   * has lost the leader too, so a false alarm cannot depose a leader the others still hear.
   */
  leaderUnreachable(from: NodeId): void {
    if (this.role !== 'follower' || this.lead === '' || this.lead !== from) return;
    this.lead = '';
    const delay = 1 + this.cfg.randomInt(Math.max(1, Math.floor(this.cfg.electionTicks / 2)));
    this.electionElapsed = Math.max(this.electionElapsed, this.randomizedElectionTimeout - delay);
  }

  /**
   * The driver is still streaming a snapshot to `to` (a chunk was acknowledged): restart the
   * wait, so a transfer longer than an election timeout is not abandoned while it progresses.
   */
  snapshotProgress(to: NodeId): void {
    const pr = this.progress.get(to);
    if (this.role === 'leader' && pr?.state === 'snapshot') pr.snapshotTicks = 0;
  }

  /** The application's state at `index` (<= applied) is `data`; entries up to it can go. */
  compact(index: number, data: Uint8Array): Result<object> {
    if (index <= this.log.snapshot.index) return this.error('BAD_REQUEST', `already compacted to ${this.log.snapshot.index}`);
    if (index > this.log.applied || index > this.log.stableIndex) return this.error('BAD_REQUEST', `index ${index} not applied yet`);
    this.log.compact(index, data, this.log.confAt(index));
    return { ok: true };
  }

  // ---- outputs ------------------------------------------------------------------------

  hasReady(): boolean {
    return hasReady(this);
  }

  ready(): Ready | null {
    return ready(this);
  }

  advance(rd: Ready): void {
    advance(this, rd);
  }

  status(): RaftStatus {
    return {
      id: this.id, role: this.role, term: this.term, vote: this.vote, lead: this.lead,
      commit: this.log.committed, applied: this.log.applied, firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(), conf: this.conf,
    };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  softState(): SoftState {
    return { lead: this.lead, role: this.role, term: this.term };
  }

  // ---- internals shared with leader.ts / follower.ts / election.ts ----------------------

  send(m: Partial<Message> & Pick<Message, 'type' | 'to'>): void {
    this.msgs.push({
      from: this.id, term: this.term, logTerm: 0, index: 0, commit: 0, entries: [], reject: false, rejectHint: 0, context: '', ...m,
    });
  }

  error(code: 'NOT_LEADER' | 'UNAVAILABLE' | 'BAD_REQUEST', reason: string): Result<never> {
    return { ok: false, code, leader: this.lead, reason };
  }

  private refuseUnlessLeader(): Result<never> | null {
    if (this.role !== 'leader') return this.error('NOT_LEADER', this.lead ? `leader is ${this.lead}` : 'no known leader');
    if (this.leadTransferee) return this.error('UNAVAILABLE', `leadership is moving to ${this.leadTransferee}`);
    return null;
  }

  promotable(): boolean {
    return isVoter(this.conf, this.id) && this.log.unstableSnapshot === null;
  }

  appendEntry(type: EntryType, data: Uint8Array): Entry {
    const e: Entry = { index: this.log.lastIndex() + 1, term: this.term, type, data };
    this.log.append([e]);
    this.syncConf();
    maybeCommit(this);
    return e;
  }

  /** Re-derives membership from the log when it may have changed; the leader tracks new members. */
  syncConf(): void {
    if (this.log.confVersion === this.confVersionSeen) return;
    this.confVersionSeen = this.log.confVersion;
    this.conf = this.log.confAt(this.log.lastIndex());
    if (this.role !== 'leader') return;
    const ids = members(this.conf);
    for (const id of this.progress.keys()) if (!ids.includes(id) && !this.leaving.has(id)) this.leaving.set(id, this.cfg.electionTicks);
    for (const id of ids) {
      this.leaving.delete(id);
      if (id !== this.id && !this.progress.has(id)) this.progress.set(id, new Progress(this.log.lastIndex() + 1, this.cfg.maxInflight));
    }
    if (this.leadTransferee && !isVoter(this.conf, this.leadTransferee)) this.leadTransferee = '';
  }

  becomeFollower(term: number, lead: NodeId): void {
    reset(this, term);
    this.role = 'follower';
    this.lead = lead;
  }
}

export function quorumHas(conf: ConfState, set: ReadonlySet<NodeId>): boolean {
  return hasQuorum(conf, (id) => set.has(id));
}
