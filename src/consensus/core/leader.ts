// Leader-side replication, commitment, check-quorum and ReadIndex confirmation.
import { hasQuorum, isVoter } from './conf.js';
import type { RaftNode } from './raft.js';
import type { Message, NodeId } from './types.js';

export interface PendingRead {
  readonly context: string;
  readonly index: number;
  readonly acks: Set<NodeId>;
}

/**
 * Sends the next batch to `to` if its progress is not paused. Falls back to the snapshot
 * when the entries it needs were compacted. Returns whether a message was sent.
 */
export function sendAppend(r: RaftNode, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = r.progress.get(to);
  if (!pr || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  const entries = r.log.slice(pr.next, r.log.lastIndex() + 1, r.cfg.maxBatchEntries);
  if (prevTerm === undefined || entries === undefined) {
    const snap = r.log.snapshot;
    r.send({ type: 'snapshot', to, snapshot: snap });
    pr.becomeSnapshot(snap.index);
    return true;
  }
  if (entries.length === 0 && !sendIfEmpty) return false;
  r.send({ type: 'append', to, index: prevIndex, logTerm: prevTerm, entries, commit: r.log.committed });
  pr.sentEntries(prevIndex + entries.length, entries.length);
  return true;
}

export function bcastAppend(r: RaftNode, sendIfEmpty: boolean): void {
  for (const id of r.progress.keys()) sendAppend(r, id, sendIfEmpty);
}

/** Heartbeats carry the newest pending ReadIndex context so one round confirms all reads. */
export function bcastHeartbeat(r: RaftNode): void {
  const context = r.pendingReads[r.pendingReads.length - 1]?.context ?? '';
  for (const [id, pr] of r.progress) {
    r.send({ type: 'heartbeat', to: id, commit: Math.min(pr.match, r.log.committed), context });
  }
}

/** Commits the highest index held by a quorum of voters, but only if it is of our term (§5.4.2). */
export function maybeCommit(r: RaftNode): boolean {
  const matches = r.conf.voters.map((id) => (id === r.id ? r.log.lastIndex() : r.progress.get(id)?.match ?? 0));
  matches.sort((a, b) => b - a);
  const candidate = matches[Math.floor(r.conf.voters.length / 2)] ?? 0;
  if (candidate <= r.log.committed || r.log.term(candidate) !== r.term) return false;
  r.log.commitTo(candidate);
  stepDownIfRemoved(r);
  return true;
}

/** A leader that removed itself keeps leading until the removal commits, then hands over. */
function stepDownIfRemoved(r: RaftNode): void {
  if (isVoter(r.conf, r.id) || r.log.lastConfIndex() > r.log.committed) return;
  let best: NodeId = '';
  for (const id of r.conf.voters) {
    if (r.progress.get(id)?.match === r.log.lastIndex() && best === '') best = id;
  }
  bcastAppend(r, true); // propagate the commit of the removal before going quiet
  if (best) r.send({ type: 'timeoutNow', to: best });
  r.becomeFollower(r.term, '');
}

export function leaderTick(r: RaftNode): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  if (r.electionElapsed >= r.cfg.electionTicks) {
    r.electionElapsed = 0;
    if (r.cfg.checkQuorum && !quorumActive(r)) {
      r.becomeFollower(r.term, '');
      return;
    }
    r.leadTransferee = ''; // a transfer that did not finish within an election timeout is abandoned
  }
  for (const pr of r.progress.values()) {
    if (pr.state === 'snapshot' && ++pr.snapshotTicks >= r.cfg.electionTicks) pr.becomeProbe(); // snapshot lost: retry
  }
  if (r.leaving.size > 0 && r.log.lastConfIndex() <= r.log.committed) forgetLeaving(r);
  if (r.heartbeatElapsed >= r.cfg.heartbeatTicks) {
    r.heartbeatElapsed = 0;
    bcastHeartbeat(r);
  }
}

/** Counts down the removed members' grace once their removal is committed; then stops talking to them. */
function forgetLeaving(r: RaftNode): void {
  for (const [id, left] of r.leaving) {
    if (left > 1) {
      r.leaving.set(id, left - 1);
    } else {
      r.leaving.delete(id);
      r.progress.delete(id);
    }
  }
}

/** Check-quorum: did a quorum of voters talk to us during the last election timeout? */
function quorumActive(r: RaftNode): boolean {
  const active = hasQuorum(r.conf, (id) => id === r.id || r.progress.get(id)?.recentActive === true);
  for (const pr of r.progress.values()) pr.recentActive = false;
  return active;
}

export function stepLeader(r: RaftNode, m: Message): void {
  const pr = r.progress.get(m.from);
  if (!pr) return;
  switch (m.type) {
    case 'appendResp':
      pr.recentActive = true;
      if (m.reject) {
        const nextProbe = m.logTerm > 0 ? r.log.findConflictByTerm(m.rejectHint, m.logTerm) : m.rejectHint;
        if (pr.maybeDecrTo(m.index, nextProbe)) {
          if (pr.state === 'replicate') pr.becomeProbe();
          sendAppend(r, m.from, true);
        }
        return;
      }
      {
        const wasPaused = pr.isPaused();
        if (!pr.maybeUpdate(m.index) && pr.state === 'replicate') return;
        if (pr.state === 'probe') pr.becomeReplicate();
        else if (pr.state === 'snapshot' && pr.match + 1 >= r.log.firstIndex()) {
          pr.becomeProbe();
          pr.becomeReplicate();
        }
        if (maybeCommit(r)) {
          if (r.role === 'leader') bcastAppend(r, true);
        } else if (wasPaused) {
          sendAppend(r, m.from, true); // it may have missed the commit index while paused
        }
      }
      if (r.role !== 'leader') return;
      while (sendAppend(r, m.from, false)) { /* fill the inflight window */ }
      if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) r.send({ type: 'timeoutNow', to: m.from });
      return;
    case 'heartbeatResp':
      pr.recentActive = true;
      pr.probeSent = false;
      pr.freeOneIfFull();
      if (pr.match < r.log.lastIndex()) sendAppend(r, m.from, true);
      if (m.context) ackRead(r, m.from, m.context); // equivalent without the test: an empty context matches no pending read
      return;
    default:
      return;
  }
}

function ackRead(r: RaftNode, from: NodeId, context: string): void {
  const upTo = r.pendingReads.findIndex((p) => p.context === context);
  // Reads queued before this one were registered earlier, so the same ack confirms them too.
  for (let i = 0; i <= upTo; i++) r.pendingReads[i]!.acks.add(from);
  readQuorumReached(r);
}

/** Releases, in order, every pending read confirmed by a quorum. Returns whether any was. */
export function readQuorumReached(r: RaftNode): boolean {
  let released = false;
  while (r.pendingReads.length > 0) {
    const head = r.pendingReads[0]!;
    if (!hasQuorum(r.conf, (id) => head.acks.has(id))) break;
    r.pendingReads.shift();
    r.readStates.push({ index: head.index, context: head.context });
    released = true; // equivalent if false for safety: the caller then only adds a heartbeat round
  }
  return released;
}
