// The driver's persistence ordering (ReadyWriter): whatever a message vouches for is durable,
// with fsync (synchronous=FULL), before the message leaves: a vote, a vote-only change, an
// append acknowledgement. A second connection reads what is committed at each send.
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RaftNode } from '../../src/consensus/core/raft.js';
import type { Message, Ready } from '../../src/consensus/core/types.js';
import { ReadyWriter } from '../../src/consensus/driver-persist.js';
import type { RaftDriverOptions } from '../../src/consensus/driver.js';
import { SqliteStorage } from '../../src/consensus/sqlite-storage.js';
import type { StateMachine } from '../../src/consensus/state-machine.js';
import type { PersistedState } from '../../src/consensus/core/config.js';
import { tempDir } from '../helpers/process.js';

interface SendRecord {
  readonly types: string[];
  /** What a crash right now would leave: the committed state seen by another connection. */
  readonly durable: PersistedState;
  /** synchronous mode of the writing connection while the message leaves: 2 = FULL. */
  readonly syncMode: number;
  readonly applied: number;
}

const open: Database.Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function setup(id: string, voters: readonly string[]) {
  const file = path.join(tempDir(), 'raft.db');
  const db = new Database(file);
  open.push(db);
  const applied: number[] = [];
  const sm: StateMachine = {
    db, applyEntry: (index) => applied.push(index), snapshot: () => new Uint8Array(),
    restore: () => undefined, appliedIndex: () => applied[applied.length - 1] ?? 0,
  };
  const storage = new SqliteStorage(db);
  const reader = new Database(file, { readonly: true });
  open.push(reader);
  const readerStorage = { load: (): PersistedState => new SqliteStorage(readerDbProxy(reader)).load() };
  const sends: SendRecord[] = [];
  const transport = {
    send: (msgs: readonly Message[]) => {
      if (msgs.length === 0) return;
      sends.push({
        types: msgs.map((m) => m.type), durable: readerStorage.load(),
        syncMode: db.pragma('synchronous', { simple: true }) as number, applied: applied.length,
      });
    },
    close: () => undefined,
  };
  const persisted = storage.load();
  // No check-quorum lease: the tests hand votes to a follower that has a leader.
  const node = new RaftNode({ id, voters, electionTicks: 10, heartbeatTicks: 1, randomInt: () => 0, checkQuorum: false }, persisted);
  const opts = { stateMachine: sm, transport } as unknown as RaftDriverOptions;
  const writer = new ReadyWriter(opts, node, storage, persisted);
  const drain = (): void => {
    for (let rd: Ready | null = node.ready(); rd; rd = node.ready()) {
      writer.write(rd);
      node.advance(rd);
    }
  };
  const syncMode = (): number => db.pragma('synchronous', { simple: true }) as number;
  /**
   * Leaves the connection at NORMAL through a commit-only Ready (entry 2 of term 2 from 'a'),
   * so that a test sees whether the next Ready switches back to FULL.
   */
  const primeNormal = (): void => {
    drain();
    const entries = [{ index: 2, term: 2, type: 'normal' as const, data: new Uint8Array([1]) }];
    node.step(msg({ type: 'append', from: 'a', to: id, term: 2, index: 1, logTerm: 1, entries, commit: 1 }));
    drain();
    node.step(msg({ type: 'heartbeat', from: 'a', to: id, term: 2, commit: 2 }));
    drain();
    expect(syncMode()).toBe(1);
    sends.length = 0;
  };
  return { node, writer, sends, drain, applied, syncMode, primeNormal };
}

/** A read-only connection cannot switch journal mode or create tables: let SqliteStorage try, and ignore it. */
function readerDbProxy(db: Database.Database): Database.Database {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'pragma') return () => undefined;
      if (prop === 'exec') return () => target;
      if (prop === 'transaction') return (f: (...a: unknown[]) => unknown) => f;
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

const msg = (m: Partial<Message> & Pick<Message, 'type' | 'from' | 'to' | 'term'>): Message =>
  ({ logTerm: 0, index: 0, commit: 0, entries: [], reject: false, rejectHint: 0, context: '', ...m });

describe('ReadyWriter persistence ordering', () => {
  it('a vote leaves only after the term and vote are fsynced', () => {
    const b = setup('b', ['a', 'b', 'c']);
    b.primeNormal();
    b.node.step(msg({ type: 'vote', from: 'c', to: 'b', term: 5, index: 2, logTerm: 2 }));
    b.drain();
    const sent = b.sends.find((s) => s.types.includes('voteResp'))!;
    expect(sent.durable.hardState).toMatchObject({ term: 5, vote: 'c' });
    expect(sent.syncMode).toBe(2);
  });

  it('a vote-only change (no entries) is fsynced too', () => {
    const b = setup('b', ['a', 'b', 'c']);
    b.primeNormal();
    // A stale candidate moves b to term 3 (refused: its log is behind); refusing it again is
    // a Ready with a message only, which leaves the connection at NORMAL.
    const stale = msg({ type: 'vote', from: 'a', to: 'b', term: 3, index: 1, logTerm: 1 });
    b.node.step(stale);
    b.drain();
    b.node.step(stale);
    b.drain();
    expect(b.syncMode()).toBe(1);
    b.sends.length = 0;
    // Now a vote in the same term: its Ready changes only the vote.
    b.node.step(msg({ type: 'vote', from: 'c', to: 'b', term: 3, index: 2, logTerm: 2 }));
    b.drain();
    const sent = b.sends.find((s) => s.types.includes('voteResp'))!;
    expect(sent.durable.hardState).toMatchObject({ term: 3, vote: 'c' });
    expect(sent.syncMode).toBe(2);
  });

  it('an append acknowledgement leaves only after the entries are fsynced', () => {
    const b = setup('b', ['a', 'b', 'c']);
    b.primeNormal();
    const entries = [{ index: 3, term: 2, type: 'noop' as const, data: new Uint8Array() }, { index: 4, term: 2, type: 'normal' as const, data: new Uint8Array([1]) }];
    b.node.step(msg({ type: 'append', from: 'a', to: 'b', term: 2, index: 2, logTerm: 2, entries, commit: 2 }));
    b.drain();
    const sent = b.sends.find((s) => s.types.includes('appendResp'))!;
    expect(sent.durable.entries.map((e) => e.index)).toEqual([1, 2, 3, 4]);
    expect(sent.syncMode).toBe(2);
  });

  it('a Ready that only applies committed entries commits without an fsync, and applies them', () => {
    const b = setup('b', ['a', 'b', 'c']);
    b.drain();
    const entries = [{ index: 2, term: 2, type: 'normal' as const, data: new Uint8Array([1]) }];
    b.node.step(msg({ type: 'append', from: 'a', to: 'b', term: 2, index: 1, logTerm: 1, entries, commit: 1 }));
    b.drain();
    b.sends.length = 0;
    b.node.step(msg({ type: 'heartbeat', from: 'a', to: 'b', term: 2, commit: 2 }));
    b.drain();
    const sent = b.sends.find((s) => s.types.includes('heartbeatResp'))!;
    expect(sent.syncMode).toBe(1);
    expect(b.applied).toContain(2);
    expect(sent.durable.hardState.commit).toBe(2); // the transaction committed before the reply
  });

  it('a leader sends appends before its own write, everything else after it', () => {
    const a = setup('a', ['a', 'b', 'c']);
    a.drain();
    a.node.campaign();
    a.drain();
    for (const from of ['b', 'c']) a.node.step(msg({ type: 'preVoteResp', from, to: 'a', term: 2 }));
    a.drain();
    a.sends.length = 0;
    for (const from of ['b', 'c']) a.node.step(msg({ type: 'voteResp', from, to: 'a', term: 2 }));
    a.drain();
    // A new term's first Ready (leader, term 2) sends nothing before its write.
    const first = a.sends.find((s) => s.types.includes('append'))!;
    expect(first.durable.hardState.term).toBe(2);
    for (const from of ['b', 'c']) a.node.step(msg({ type: 'appendResp', from, to: 'a', term: 2, index: 2 }));
    a.drain();
    a.sends.length = 0;
    a.node.propose('x');
    a.node.tick(); // heartbeats, also replication traffic
    // A stale pre-candidate in the same Ready: its refusal is not replication traffic.
    a.node.step(msg({ type: 'preVote', from: 'c', to: 'a', term: 1, index: 1, logTerm: 1 }));
    a.drain();
    expect(a.sends.map((s) => s.types.join(','))).toEqual(['append,append,heartbeat,heartbeat', 'preVoteResp']);
    const later = a.sends[1]!;
    expect(later.durable.entries.some((e) => e.type === 'normal')).toBe(true);
    const early = a.sends.find((s) => s.types.includes('append'))!;
    // Replication traffic leaves before the leader's own entry is written (etcd's parallel write):
    // the leader's copy counts toward the commit only once the entry is applied after its write.
    expect(early.durable.entries.some((e) => e.type === 'normal')).toBe(false);
  });

  it('a local compaction is fsynced (it drops entries the log no longer holds elsewhere)', () => {
    const b = setup('b', ['a', 'b', 'c']);
    b.drain();
    const entries = [{ index: 2, term: 2, type: 'normal' as const, data: new Uint8Array([1]) }];
    b.node.step(msg({ type: 'append', from: 'a', to: 'b', term: 2, index: 1, logTerm: 1, entries, commit: 2 }));
    b.drain();
    b.node.step(msg({ type: 'heartbeat', from: 'a', to: 'b', term: 2, commit: 2 }));
    b.drain();
    expect(b.syncMode()).toBe(1); // the commit-only Ready left the connection at NORMAL
    expect(b.node.compact(2, new Uint8Array()).ok).toBe(true);
    b.drain();
    expect(b.syncMode()).toBe(2);
  });

  it('an installed snapshot is fsynced before its ack, and nothing leaves early', () => {
    const b = setup('b', ['a', 'b', 'c']);
    b.primeNormal();
    const snapshot = { index: 10, term: 3, confState: { voters: ['a', 'b', 'c'], learners: [] }, data: new Uint8Array() };
    b.node.step(msg({ type: 'snapshot', from: 'a', to: 'b', term: 3, snapshot }));
    b.drain();
    const sent = b.sends.find((s) => s.types.includes('appendResp'))!;
    expect(sent.durable.snapshot?.index).toBe(10);
    expect(sent.syncMode).toBe(2);
  });

  it("a leader's Ready that changes term or vote sends nothing before its write", () => {
    const a = setup('a', ['a', 'b', 'c']);
    a.drain();
    a.node.campaign();
    a.drain();
    for (const from of ['b', 'c']) a.node.step(msg({ type: 'preVoteResp', from, to: 'a', term: 2 }));
    a.drain();
    for (const from of ['b', 'c']) a.node.step(msg({ type: 'voteResp', from, to: 'a', term: 2 }));
    a.drain();
    a.sends.length = 0;
    // Built by hand: a leader's Ready only carries a new term or vote in a single-voter
    // campaign, which has no peers to send to; the rule must hold regardless.
    const rd: Ready = {
      hardState: { term: 9, vote: 'a', commit: 1 }, entries: [], committedEntries: [], readStates: [],
      messages: [msg({ type: 'append', from: 'a', to: 'b', term: 9 }), msg({ type: 'heartbeat', from: 'a', to: 'c', term: 9 })],
    };
    a.writer.write(rd);
    expect(a.sends).toHaveLength(1);
    expect(a.sends[0]!.durable.hardState.term).toBe(9);
    expect(a.sends[0]!.syncMode).toBe(2);
  });
});
