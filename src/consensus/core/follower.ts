// Handlers for messages a non-leader receives, and vote counting.
import { hasQuorum } from './conf.js';
import type { RaftNode } from './raft.js';
import type { Message } from './types.js';

export function handleVoteRequest(r: RaftNode, m: Message): void {
  const isPre = m.type === 'preVote';
  // We may vote again for the same candidate (duplicate request), or for anyone if we have
  // neither voted nor seen a leader this term; a pre-vote is for a future term, so it is free.
  const canVote = r.vote === m.from || (r.vote === '' && r.lead === '') || (isPre && m.term > r.term);
  if (canVote && r.log.isUpToDate(m.index, m.logTerm)) {
    r.send({ type: isPre ? 'preVoteResp' : 'voteResp', to: m.from, term: isPre ? m.term : r.term });
    if (!isPre) {
      r.electionElapsed = 0;
      r.vote = m.from;
    }
  } else {
    r.send({ type: isPre ? 'preVoteResp' : 'voteResp', to: m.from, reject: true });
  }
}

export function pollVotes(r: RaftNode): 'won' | 'lost' | 'pending' {
  if (hasQuorum(r.conf, (id) => r.votes.get(id) === true)) return 'won';
  const rejected = r.conf.voters.filter((id) => r.votes.get(id) === false).length;
  return r.conf.voters.length - rejected < Math.floor(r.conf.voters.length / 2) + 1 ? 'lost' : 'pending';
}

export function handleAppend(r: RaftNode, m: Message): void {
  const log = r.log;
  if (m.index < log.committed) {
    r.send({ type: 'appendResp', to: m.from, index: log.committed });
    return;
  }
  const lastNew = log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (lastNew !== undefined) {
    r.send({ type: 'appendResp', to: m.from, index: lastNew });
    return;
  }
  // Hint: the last index whose term is <= the leader's prevLogTerm, so the leader can skip
  // a whole term of mismatching entries per round trip instead of one entry.
  const hint = log.findConflictByTerm(Math.min(m.index, log.lastIndex()), m.logTerm);
  r.send({ type: 'appendResp', to: m.from, index: m.index, reject: true, rejectHint: hint, logTerm: log.term(hint) ?? 0 });
}

export function handleHeartbeat(r: RaftNode, m: Message): void {
  // The leader sends min(our match, its commit), so this never exceeds what we hold.
  r.log.commitTo(Math.min(m.commit, r.log.lastIndex()));
  r.send({ type: 'heartbeatResp', to: m.from, context: m.context });
}

export function handleSnapshot(r: RaftNode, m: Message): void {
  const snap = m.snapshot;
  if (!snap) return;
  const log = r.log;
  if (snap.index <= log.committed) { // equivalent as '<': at equality the next branch answers the same index
    r.send({ type: 'appendResp', to: m.from, index: log.committed });
  } else if (log.matchTerm(snap.index, snap.term)) {
    // We already hold the snapshot's last entry, hence (log matching) everything before it.
    log.commitTo(snap.index);
    r.send({ type: 'appendResp', to: m.from, index: snap.index });
  } else {
    log.restore(snap);
    r.send({ type: 'appendResp', to: m.from, index: snap.index });
  }
}
