// Unit tests aimed at the Raft core's safety rules one at a time (vote, append, commit,
// read index, snapshot install, membership). Each was written to kill a surviving mutant of
// npm run mutation:raft: the rule is stated in the test name.
import { describe, expect, it } from 'vitest';
import { applyConfChange, makeConf } from '../../src/consensus/core/conf.js';
import { RaftLog } from '../../src/consensus/core/log.js';
import { RaftNode } from '../../src/consensus/core/raft.js';
import type { Entry, Message, Ready } from '../../src/consensus/core/types.js';

const ent = (index: number, term: number, type: Entry['type'] = 'normal'): Entry => ({ index, term, type, data: new Uint8Array() });
const msg = (m: Partial<Message> & Pick<Message, 'type' | 'from' | 'to' | 'term'>): Message =>
  ({ logTerm: 0, index: 0, commit: 0, entries: [], reject: false, rejectHint: 0, context: '', ...m });

/** A node whose Readies are all "persisted" and applied at once; returns the messages it sent. */
function node(id: string, voters: readonly string[], extra: { checkQuorum?: boolean; randomInt?: (n: number) => number } = {}) {
  const r = new RaftNode({ id, voters, electionTicks: 10, heartbeatTicks: 1, randomInt: extra.randomInt ?? (() => 0), checkQuorum: extra.checkQuorum ?? false });
  const readies: Ready[] = [];
  const drain = (): Message[] => {
    const out: Message[] = [];
    for (let rd = r.ready(); rd; rd = r.ready()) {
      readies.push(rd);
      out.push(...rd.messages);
      r.advance(rd);
    }
    return out;
  };
  drain();
  return { r, drain, readies };
}

/** b follows leader a in term 2 with entries 2..last of term 2. */
function follower(last: number, commit: number) {
  const b = node('b', ['a', 'b', 'c']);
  const entries = Array.from({ length: last - 1 }, (_, i) => ent(i + 2, 2));
  b.r.step(msg({ type: 'append', from: 'a', to: 'b', term: 2, index: 1, logTerm: 1, entries, commit }));
  b.drain();
  return b;
}

/** a leads term 2 of a, b, c, with its no-op (index 2) committed. */
function leader() {
  const a = node('a', ['a', 'b', 'c']);
  a.r.campaign();
  a.drain();
  for (const from of ['b', 'c']) a.r.step(msg({ type: 'preVoteResp', from, to: 'a', term: 2 }));
  a.drain();
  for (const from of ['b', 'c']) a.r.step(msg({ type: 'voteResp', from, to: 'a', term: 2 }));
  a.drain();
  return a;
}

describe('votes', () => {
  it('a node that voted in a term refuses another candidate in that term', () => {
    const b = node('b', ['a', 'b', 'c']);
    b.r.step(msg({ type: 'vote', from: 'a', to: 'b', term: 2, index: 1, logTerm: 1 }));
    expect(b.drain().find((m) => m.type === 'voteResp')?.reject).toBe(false);
    b.r.step(msg({ type: 'vote', from: 'c', to: 'b', term: 2, index: 1, logTerm: 1 }));
    expect(b.drain().find((m) => m.type === 'voteResp')?.reject).toBe(true);
    // A duplicate request from the candidate it voted for is granted again.
    b.r.step(msg({ type: 'vote', from: 'a', to: 'b', term: 2, index: 1, logTerm: 1 }));
    expect(b.drain().find((m) => m.type === 'voteResp')?.reject).toBe(false);
  });

  it('a follower that knows its leader refuses a vote in the same term, even without a vote of its own', () => {
    const b = follower(3, 1); // learned leader a of term 2 from an append: no vote cast
    b.r.step(msg({ type: 'vote', from: 'c', to: 'b', term: 2, index: 3, logTerm: 2 }));
    expect(b.drain().find((m) => m.type === 'voteResp')?.reject).toBe(true);
  });

  it('a longer log of an older last term is not up to date', () => {
    const b = follower(3, 1);
    b.r.step(msg({ type: 'vote', from: 'c', to: 'b', term: 3, index: 9, logTerm: 1 }));
    expect(b.drain().find((m) => m.type === 'voteResp')?.reject).toBe(true);
  });

  it('granting a pre-vote records no vote', () => {
    const b = node('b', ['a', 'b', 'c']);
    b.r.step(msg({ type: 'preVote', from: 'a', to: 'b', term: 2, index: 1, logTerm: 1 }));
    expect(b.drain().find((m) => m.type === 'preVoteResp')?.reject).toBe(false);
    expect(b.r.vote).toBe('');
    expect(b.r.term).toBe(1); // the bootstrap term: a pre-vote moves no term
  });

  it('a vote needs a log at least as up to date: same last term, shorter log is refused', () => {
    const b = follower(3, 1);
    b.r.step(msg({ type: 'vote', from: 'c', to: 'b', term: 3, index: 2, logTerm: 2 }));
    expect(b.drain().find((m) => m.type === 'voteResp')?.reject).toBe(true);
    b.r.step(msg({ type: 'vote', from: 'c', to: 'b', term: 3, index: 3, logTerm: 2 }));
    expect(b.drain().find((m) => m.type === 'voteResp')?.reject).toBe(false);
  });

  it('the lease ends one election timeout after the leader was last heard', () => {
    const b = node('b', ['a', 'b', 'c'], { checkQuorum: true, randomInt: () => 9 }); // timeout 19 ticks
    b.r.step(msg({ type: 'heartbeat', from: 'a', to: 'b', term: 2 }));
    b.drain();
    for (let i = 0; i < 9; i++) b.r.tick();
    b.r.step(msg({ type: 'vote', from: 'c', to: 'b', term: 3, index: 1, logTerm: 1 }));
    expect(b.drain().filter((m) => m.type === 'voteResp')).toEqual([]); // in lease: ignored
    b.r.tick();
    b.r.step(msg({ type: 'vote', from: 'c', to: 'b', term: 3, index: 1, logTerm: 1 }));
    expect(b.drain().find((m) => m.type === 'voteResp')?.reject).toBe(false);
  });

  it('the randomized election timeout is at least electionTicks', () => {
    const b = node('b', ['a', 'b', 'c'], { randomInt: () => 3 });
    for (let i = 0; i < 12; i++) b.r.tick();
    expect(b.r.role).toBe('follower');
    b.r.tick();
    expect(b.r.role).toBe('preCandidate');
  });

  it('learners and leaders do not campaign', () => {
    const l = node('l', []);
    l.r.campaign();
    expect(l.r.role).toBe('follower');
    expect(l.drain()).toEqual([]);
    const a = leader();
    const term = a.r.term;
    a.r.campaign();
    expect([a.r.role, a.r.term]).toEqual(['leader', term]);
  });

  it('a late rejection from a voter that already granted does not cancel its grant', () => {
    const a = node('a', ['a', 'b', 'c', 'd', 'e']);
    a.r.campaign();
    a.drain();
    for (const from of ['b', 'c']) a.r.step(msg({ type: 'preVoteResp', from, to: 'a', term: 2 }));
    a.drain();
    a.r.step(msg({ type: 'voteResp', from: 'b', to: 'a', term: 2 }));
    a.r.step(msg({ type: 'voteResp', from: 'b', to: 'a', term: 2, reject: true }));
    a.r.step(msg({ type: 'voteResp', from: 'c', to: 'a', term: 2 }));
    expect(a.r.role).toBe('leader');
  });

  it('a candidate rejected by a majority steps down', () => {
    const a = node('a', ['a', 'b', 'c']);
    a.r.campaign();
    a.drain();
    a.r.step(msg({ type: 'preVoteResp', from: 'b', to: 'a', term: 1, reject: true }));
    expect(a.r.role).toBe('preCandidate');
    a.r.step(msg({ type: 'preVoteResp', from: 'c', to: 'a', term: 1, reject: true }));
    expect(a.r.role).toBe('follower');
  });
});

describe('appends', () => {
  it('a delayed append that matches never truncates entries after it', () => {
    const b = follower(5, 1);
    b.r.step(msg({ type: 'append', from: 'a', to: 'b', term: 2, index: 1, logTerm: 1, entries: [ent(2, 2), ent(3, 2)], commit: 1 }));
    const resp = b.drain().find((m) => m.type === 'appendResp')!;
    expect(b.r.log.lastIndex()).toBe(5);
    expect(resp.index).toBe(3);
  });

  it('an append below the commit index is answered with the commit index', () => {
    const b = follower(5, 4);
    b.r.step(msg({ type: 'append', from: 'a', to: 'b', term: 2, index: 2, logTerm: 2, entries: [], commit: 4 }));
    expect(b.drain().find((m) => m.type === 'appendResp')?.index).toBe(4);
  });

  it('a rejection past the end of the log hints at its last index', () => {
    const b = follower(3, 1);
    b.r.step(msg({ type: 'append', from: 'a', to: 'b', term: 2, index: 7, logTerm: 2, entries: [], commit: 1 }));
    const resp = b.drain().find((m) => m.type === 'appendResp')!;
    expect([resp.reject, resp.rejectHint]).toEqual([true, 3]);
  });

  it('the commit index never moves back, and never past the last entry', () => {
    const b = follower(5, 4);
    b.r.step(msg({ type: 'heartbeat', from: 'a', to: 'b', term: 2, commit: 2 }));
    b.drain();
    expect(b.r.log.committed).toBe(4);
    const log = new RaftLog({ index: 0, term: 0, confState: makeConf([]), data: new Uint8Array() }, [ent(1, 1)], 0, 0);
    expect(() => log.commitTo(2)).toThrow(/beyond last index/);
    log.commitTo(1);
    expect(() => log.appliedTo(2)).toThrow(/beyond commit/);
    log.appliedTo(1);
    log.appliedTo(0);
    expect(log.applied).toBe(1);
  });

  it('entries replaced between ready() and advance() stay unstable (they were never persisted)', () => {
    const log = new RaftLog({ index: 0, term: 0, confState: makeConf([]), data: new Uint8Array() }, [ent(1, 1)], 1, 1);
    log.append([ent(2, 1)]);
    const handedOut = log.unstableEntries();
    log.append([ent(2, 2)]); // a new leader overwrote it meanwhile
    const last = handedOut[handedOut.length - 1]!;
    log.stableTo(last.index, last.term);
    expect(log.unstableEntries().map((e) => `${e.index}/${e.term}`)).toEqual(['2/2']);
  });

  it('a leader commits only by a quorum of matches', () => {
    const a = leader();
    expect(a.r.log.committed).toBe(1);
    a.r.step(msg({ type: 'appendResp', from: 'b', to: 'a', term: 2, index: 2 }));
    a.drain();
    expect(a.r.log.committed).toBe(2);
  });
});

describe('snapshots', () => {
  it('a snapshot at or below the commit index is answered with the commit index and changes nothing', () => {
    const b = follower(5, 5);
    const snapshot = { index: 3, term: 2, confState: makeConf(['a', 'b', 'c']), data: new Uint8Array() };
    b.r.step(msg({ type: 'snapshot', from: 'a', to: 'b', term: 2, snapshot }));
    expect(b.drain().find((m) => m.type === 'appendResp')?.index).toBe(5);
    expect([b.r.log.firstIndex(), b.r.log.lastIndex()]).toEqual([1, 5]);
    b.r.step(msg({ type: 'snapshot', from: 'a', to: 'b', term: 2, snapshot: { ...snapshot, index: 5 } }));
    expect(b.drain().find((m) => m.type === 'appendResp')?.index).toBe(5);
  });

  it('a snapshot of an entry the follower holds commits up to it and keeps the log', () => {
    const b = follower(5, 2);
    const snapshot = { index: 4, term: 2, confState: makeConf(['a', 'b', 'c']), data: new Uint8Array() };
    b.r.step(msg({ type: 'snapshot', from: 'a', to: 'b', term: 2, snapshot }));
    expect(b.drain().find((m) => m.type === 'appendResp')?.index).toBe(4);
    expect([b.r.log.committed, b.r.log.lastIndex(), b.r.log.snapshot.index]).toEqual([4, 5, 0]);
  });
});

describe('snapshot sending', () => {
  it('a snapshot in flight is given up after an election timeout without news, and not while the driver reports progress', () => {
    const a = leader();
    a.r.step(msg({ type: 'appendResp', from: 'b', to: 'a', term: 2, index: 2 }));
    a.drain();
    a.r.propose('x');
    a.drain();
    a.r.step(msg({ type: 'appendResp', from: 'b', to: 'a', term: 2, index: 3 }));
    a.drain();
    expect(a.r.compact(3, new Uint8Array([7])).ok).toBe(true);
    a.drain();
    a.r.step(msg({ type: 'appendResp', from: 'c', to: 'a', term: 2, index: 1, reject: true, rejectHint: 0 }));
    expect(a.drain().find((m) => m.to === 'c')?.type).toBe('snapshot');
    const pr = a.r.progress.get('c')!;
    for (let i = 0; i < 9; i++) a.r.tick();
    a.r.snapshotProgress('c');
    a.r.snapshotProgress('b'); // not sending b a snapshot: nothing to restart
    for (let i = 0; i < 9; i++) a.r.tick();
    expect(pr.state).toBe('snapshot');
    a.r.tick();
    expect(pr.state).toBe('probe');
    a.drain();
  });
});

describe('membership and reads need a commit in the leader term', () => {
  it('no conf change and no read index before the new leader commits its no-op', () => {
    const a = leader();
    expect(a.r.proposeConfChange({ type: 'addLearner', node: 'd' })).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
    expect(a.r.readIndex('r1')).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
    a.r.step(msg({ type: 'appendResp', from: 'b', to: 'a', term: 2, index: 2 }));
    a.drain();
    expect(a.r.proposeConfChange({ type: 'addLearner', node: 'd' }).ok).toBe(true);
  });

  it('a learner is promoted only once caught up', () => {
    const a = leader();
    a.r.step(msg({ type: 'appendResp', from: 'b', to: 'a', term: 2, index: 2 }));
    a.drain();
    expect(a.r.proposeConfChange({ type: 'addLearner', node: 'd' }).ok).toBe(true);
    for (const from of ['b', 'c']) a.r.step(msg({ type: 'appendResp', from, to: 'a', term: 2, index: 3 }));
    a.drain();
    expect(a.r.proposeConfChange({ type: 'promote', node: 'd' })).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
    a.r.step(msg({ type: 'appendResp', from: 'd', to: 'a', term: 2, index: 3 }));
    a.drain();
    expect(a.r.proposeConfChange({ type: 'promote', node: 'd' }).ok).toBe(true);
  });

  it('a single voter confirms its own read at once; three need one heartbeat ack', () => {
    const solo = node('a', ['a']);
    solo.r.campaign();
    solo.drain();
    expect(solo.r.readIndex('r1').ok).toBe(true);
    expect(solo.r.ready()?.readStates).toEqual([{ index: 2, context: 'r1' }]);
    const a = leader();
    a.r.step(msg({ type: 'appendResp', from: 'b', to: 'a', term: 2, index: 2 }));
    a.drain();
    a.r.readIndex('r2');
    a.drain();
    a.r.step(msg({ type: 'heartbeatResp', from: 'c', to: 'a', term: 2, context: 'r2' }));
    expect(a.r.ready()?.readStates).toEqual([{ index: 2, context: 'r2' }]);
  });

  it('a removed member keeps receiving the log until its removal commits, but its acks never count towards a commit', () => {
    const a = leader();
    for (const from of ['b', 'c']) a.r.step(msg({ type: 'appendResp', from, to: 'a', term: 2, index: 2 }));
    a.drain();
    expect(a.r.proposeConfChange({ type: 'remove', node: 'c' }).ok).toBe(true); // entry 3; voters a, b
    expect(a.drain().filter((m) => m.type === 'append').map((m) => m.to).sort()).toEqual(['b', 'c']);
    a.r.step(msg({ type: 'appendResp', from: 'c', to: 'a', term: 2, index: 3 }));
    a.drain();
    expect(a.r.log.committed).toBe(2); // c's ack is not b's
    expect(a.r.propose('x').ok).toBe(true); // entry 4
    a.r.step(msg({ type: 'appendResp', from: 'c', to: 'a', term: 2, index: 4 }));
    a.drain();
    expect(a.r.log.committed).toBe(2);
    a.r.step(msg({ type: 'appendResp', from: 'b', to: 'a', term: 2, index: 4 }));
    const out = a.drain();
    expect(a.r.log.committed).toBe(4);
    // c learns the commit of its removal, and the leader forgets it an election timeout later.
    expect(out.find((m) => m.to === 'c' && m.type === 'append')?.commit).toBe(4);
    for (let i = 0; i < 9; i++) a.r.tick();
    expect(a.drain().filter((m) => m.to === 'c' && m.type === 'heartbeat').length).toBeGreaterThan(0);
    a.r.tick();
    expect(a.drain().filter((m) => m.to === 'c')).toEqual([]);
    expect(a.r.progress.has('c')).toBe(false);
  });

  it('applyConfChange refuses what is not a single valid change', () => {
    const c = makeConf(['a', 'b'], ['l']);
    expect(applyConfChange(c, { type: 'addLearner', node: 'a' })).toMatch(/already a member/);
    expect(applyConfChange(c, { type: 'addLearner', node: 'l' })).toMatch(/already a member/);
    expect(applyConfChange(c, { type: 'promote', node: 'a' })).toMatch(/not a learner/);
    expect(applyConfChange(c, { type: 'remove', node: 'x' })).toMatch(/not a member/);
    expect(applyConfChange(makeConf(['a']), { type: 'remove', node: 'a' })).toMatch(/last voter/);
    expect(applyConfChange(c, { type: 'remove', node: 'l' })).toEqual(makeConf(['a', 'b']));
    expect(applyConfChange(makeConf(['a'], ['l', 'm']), { type: 'remove', node: 'l' })).toEqual(makeConf(['a'], ['m']));
    expect(applyConfChange(c, { type: 'promote', node: 'l' })).toEqual(makeConf(['a', 'b', 'l']));
  });
});

describe('a leader known to be gone', () => {
  /** `id` follows leader a in term 2 with entries 2..3, heard just now. */
  const followerOf = (id: string) => {
    const n = node(id, ['a', 'b', 'c'], { checkQuorum: true });
    n.r.step(msg({ type: 'append', from: 'a', to: id, term: 2, index: 1, logTerm: 1, entries: [ent(2, 2), ent(3, 2)], commit: 3 }));
    n.drain();
    return n;
  };

  it('a follower told its leader is gone campaigns (pre-vote) within half an election timeout; a report about another node changes nothing', () => {
    const b = followerOf('b');
    b.r.leaderUnreachable('c');
    expect(b.r.lead).toBe('a');
    b.r.tick();
    expect(b.drain().filter((m) => m.type === 'preVote')).toEqual([]);
    b.r.leaderUnreachable('a');
    expect(b.r.lead).toBe('');
    const sent: Message[] = [];
    for (let i = 0; i < 5 && sent.length === 0; i++) {
      b.r.tick();
      sent.push(...b.drain().filter((m) => m.type === 'preVote'));
    }
    expect(sent.map((m) => m.to).sort()).toEqual(['a', 'c']);
    expect(b.r.term).toBe(2); // pre-vote: no term raised yet
  });

  it('its pre-vote is ignored by a voter that still hears the leader, granted by one that lost it too', () => {
    const withLease = followerOf('c');
    const preVote = msg({ type: 'preVote', from: 'b', to: 'c', term: 3, index: 3, logTerm: 2 });
    withLease.r.step(preVote);
    expect(withLease.drain().filter((m) => m.type === 'preVoteResp')).toEqual([]);
    withLease.r.leaderUnreachable('a');
    withLease.r.step(preVote);
    expect(withLease.drain().find((m) => m.type === 'preVoteResp')?.reject).toBe(false);
  });

  it('a leader, or a follower without a leader, ignores the report', () => {
    const a = leader();
    a.r.leaderUnreachable('a');
    expect(a.r.role).toBe('leader');
    const b = node('b', ['a', 'b', 'c']);
    const before = b.r.electionElapsed;
    b.r.leaderUnreachable('');
    expect(b.r.electionElapsed).toBe(before);
  });
});
