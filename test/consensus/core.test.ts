// Focused checks of the RaftNode API contract (the simulation covers the protocol at large).
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { RaftNode, type RaftConfig } from '../../src/consensus/core/raft.js';
import type { Message } from '../../src/consensus/core/types.js';
import { SqliteStorage } from '../../src/consensus/sqlite-storage.js';
import { MemoryStorage, type Storage } from '../../src/consensus/storage.js';

const cfg = (id: string, voters: string[]): RaftConfig =>
  ({ id, voters, electionTicks: 10, heartbeatTicks: 1, randomInt: () => 0 });

/** Persist, then hand back the messages, then advance: the documented Ready order. */
function drain(node: RaftNode, storage: Storage): Message[] {
  const out: Message[] = [];
  for (let rd = node.ready(); rd; rd = node.ready()) {
    storage.save(rd);
    out.push(...rd.messages);
    node.advance(rd);
  }
  return out;
}

const vote = (from: string, to: string, term: number): Message => ({
  type: 'vote', from, to, term, logTerm: 1, index: 1, commit: 0, entries: [], reject: false, rejectHint: 0, context: '',
});

describe('RaftNode', () => {
  it('a single voter elects itself and commits at once', () => {
    const storage = new MemoryStorage();
    const node = new RaftNode(cfg('a', ['a']), storage.load());
    node.campaign();
    expect(node.role).toBe('leader');
    const res = node.propose('x');
    expect(res).toMatchObject({ ok: true, index: 3, term: 2 });
    const rd = node.ready()!;
    expect(rd.entries.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(rd.committedEntries.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(rd.hardState).toEqual({ term: 2, vote: 'a', commit: 3 });
    expect(() => node.ready()).toThrow(/advance/);
  });

  it('does not vote twice in a term, even after a restart from storage', () => {
    const storage = new MemoryStorage();
    let node = new RaftNode(cfg('c', ['a', 'b', 'c']), storage.load());
    drain(node, storage);
    node.step(vote('a', 'c', 2));
    expect(drain(node, storage)).toMatchObject([{ type: 'voteResp', to: 'a', reject: false }]);
    node = new RaftNode(cfg('c', ['a', 'b', 'c']), storage.load());
    node.step(vote('b', 'c', 2));
    expect(drain(node, storage)).toMatchObject([{ type: 'voteResp', to: 'b', reject: true }]);
  });

  it('refuses client calls on a follower with NOT_LEADER', () => {
    const node = new RaftNode(cfg('a', ['a', 'b', 'c']));
    expect(node.propose('x')).toMatchObject({ ok: false, code: 'NOT_LEADER' });
    expect(node.readIndex('r')).toMatchObject({ ok: false, code: 'NOT_LEADER' });
    expect(node.proposeConfChange({ type: 'remove', node: 'b' })).toMatchObject({ ok: false, code: 'NOT_LEADER' });
  });

  it('restarts from SqliteStorage with its log, term and commit', () => {
    const db = new Database(':memory:');
    const storage = new SqliteStorage(db);
    const node = new RaftNode(cfg('a', ['a']), storage.load());
    node.campaign();
    node.propose('x');
    drain(node, storage);
    node.compact(2, new Uint8Array([42]));
    drain(node, storage);
    const again = new RaftNode(cfg('a', ['a']), storage.load());
    expect(again.status()).toMatchObject({ term: 2, commit: 3, firstIndex: 3, lastIndex: 3, conf: { voters: ['a'] } });
    expect(storage.snapshot()?.data).toEqual(new Uint8Array([42]));
    db.close();
  });
});
