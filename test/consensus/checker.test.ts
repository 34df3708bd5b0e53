// The safety checks must be able to fail: feed them violations directly and through sabotage.
import { describe, expect, it } from 'vitest';
import { RaftNode } from '../../src/consensus/core/raft.js';
import type { Entry, Message } from '../../src/consensus/core/types.js';
import { InvariantViolation, SafetyChecker } from './sim/checker.js';
import { runSimulation } from './sim/run.js';

const entry = (index: number, term: number, text: string): Entry =>
  ({ index, term, type: 'normal', data: new TextEncoder().encode(text) });
const node = (id: string): RaftNode =>
  new RaftNode({ id, voters: ['a', 'b', 'c'], electionTicks: 10, heartbeatTicks: 1, randomInt: () => 0 });

describe('SafetyChecker detects violations', () => {
  it('two leaders in one term', () => {
    const c = new SafetyChecker();
    const a = node('a');
    const b = node('b');
    a.role = 'leader';
    b.role = 'leader';
    b.term = a.term;
    c.checkLeader(a);
    expect(() => c.checkLeader(b)).toThrow(/election safety/);
  });

  it('different entries at the same index and term', () => {
    const c = new SafetyChecker();
    c.checkNewEntries(node('a'), [entry(2, 1, 'x')]);
    expect(() => c.checkNewEntries(node('b'), [entry(2, 1, 'y')])).toThrow(/log matching/);
  });

  it('different entries applied at the same index', () => {
    const c = new SafetyChecker();
    c.checkApply('a', entry(1, 1, 'x'));
    expect(() => c.checkApply('b', entry(1, 2, 'y'))).toThrow(/state machine safety/);
  });

  it('a gap in what a node applies', () => {
    const c = new SafetyChecker();
    expect(() => c.checkApply('a', entry(2, 1, 'x'))).toThrow(/applied 2 after 0/);
  });
});

describe('simulation with sabotage', () => {
  it('a network that forges vote grants is caught', () => {
    const forge = (m: Message): Message =>
      m.type === 'voteResp' || m.type === 'preVoteResp' ? { ...m, reject: false } : m;
    let caught: unknown;
    for (let seed = 1; seed <= 50 && !caught; seed++) {
      try {
        runSimulation({ seed, nodes: 5, tamper: forge });
      } catch (e) {
        caught = e;
      }
    }
    expect(caught).toBeInstanceOf(InvariantViolation);
    expect((caught as Error).message).toMatch(/replay: RAFT_SIM_SEED=\d+ RAFT_SIM_NODES=5 npx vitest run/);
  });

  it('a network that inflates append acks is caught', () => {
    // Inflate acks in flight: the leader then believes followers hold entries they do not.
    const corrupt = (m: Message): Message =>
      m.type === 'appendResp' && !m.reject && m.index > 0 ? { ...m, index: m.index + 3 } : m;
    let caught: unknown;
    for (let seed = 1; seed <= 50 && !caught; seed++) {
      try {
        runSimulation({ seed, nodes: 3, tamper: corrupt });
      } catch (e) {
        caught = e;
      }
    }
    expect(caught).toBeInstanceOf(InvariantViolation);
  });
});
