// Elections: campaigning (pre-vote, vote, leadership transfer), the outcome of a round and
// the role transitions that go with it.
import { members } from './conf.js';
import { pollVotes } from './follower.js';
import { bcastAppend } from './leader.js';
import { Progress } from './progress.js';
import type { RaftNode } from './raft.js';
import type { Message } from './types.js';

export const TRANSFER = 'transfer';

/** A leader heard within the election timeout: refuse to help depose it (check-quorum lease). */
export function inLease(r: RaftNode): boolean {
  return r.cfg.checkQuorum && r.lead !== '' && r.electionElapsed < r.cfg.electionTicks;
}

/** 'transfer' skips pre-vote and asks voters to ignore their leader lease (TimeoutNow). */
export function hup(r: RaftNode, kind: 'preVote' | 'election' | 'transfer'): void {
  if (r.role === 'leader' || !r.promotable()) return;
  const isPre = kind === 'preVote';
  const transfer = kind === 'transfer';
  becomeCandidate(r, isPre ? 'preCandidate' : 'candidate');
  r.votes.set(r.id, true);
  for (const id of r.conf.voters) {
    if (id === r.id) continue;
    r.send({
      type: isPre ? 'preVote' : 'vote', to: id, term: isPre ? r.term + 1 : r.term,
      index: r.log.lastIndex(), logTerm: r.log.lastTerm(), context: transfer ? TRANSFER : '',
    });
  }
  afterVote(r);
}

export function recordVote(r: RaftNode, m: Message): void {
  if (!r.votes.has(m.from)) r.votes.set(m.from, !m.reject);
  afterVote(r);
}

function afterVote(r: RaftNode): void {
  const outcome = pollVotes(r);
  if (outcome === 'won') {
    if (r.role === 'preCandidate') hup(r, 'election');
    else becomeLeader(r);
  } else if (outcome === 'lost') {
    r.becomeFollower(r.term, '');
  }
}

function becomeCandidate(r: RaftNode, role: 'preCandidate' | 'candidate'): void {
  if (role === 'candidate') {
    reset(r, r.term + 1);
    r.vote = r.id;
  } else {
    reset(r, r.term);
  }
  r.role = role;
}

function becomeLeader(r: RaftNode): void {
  reset(r, r.term);
  r.role = 'leader';
  r.lead = r.id;
  for (const id of members(r.conf)) {
    if (id !== r.id) r.progress.set(id, new Progress(r.log.lastIndex() + 1, r.cfg.maxInflight));
  }
  r.confVersionSeen = r.log.confVersion;
  // A no-op of our own term lets us commit (and thus learn) everything before it.
  r.appendEntry('noop', new Uint8Array());
  bcastAppend(r, true); // equivalent if false: the no-op just appended makes every batch non-empty
}

export function reset(r: RaftNode, term: number): void {
  if (term !== r.term) {
    r.term = term;
    r.vote = '';
  }
  r.lead = '';
  r.electionElapsed = 0;
  r.heartbeatElapsed = 0;
  r.randomizedElectionTimeout = r.cfg.electionTicks + r.cfg.randomInt(r.cfg.electionTicks);
  r.votes.clear();
  r.progress.clear();
  r.leaving.clear();
  r.leadTransferee = '';
  r.pendingReads = [];
}
