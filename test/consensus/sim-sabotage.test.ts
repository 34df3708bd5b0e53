// Every check of the simulator must be able to fail. Each test doctors one thing (the end
// state, the history, the network, the protections, the budget) and expects that check, and
// the replay command, in the failure. A check that is deleted or disconnected fails here.
import { describe, expect, it } from 'vitest';
import { makeConf } from '../../src/consensus/core/conf.js';
import { RaftNode } from '../../src/consensus/core/raft.js';
import type { Entry, Message } from '../../src/consensus/core/types.js';
import { InvariantViolation, SafetyChecker } from './sim/checker.js';
import { runSimulation, type SimOptions } from './sim/run.js';

const REPLAY = /replay: RAFT_SIM_SEED=\d+ RAFT_SIM_NODES=[35] npx vitest run test\/consensus\/sim\.test\.ts/;

/** The first failure over seeds 1..tries (most sabotage fails on seed 1). */
function failure(opts: Omit<SimOptions, 'seed'>, tries = 20): Error {
  for (let seed = 1; seed <= tries; seed++) {
    try {
      runSimulation({ ...opts, seed });
    } catch (e) {
      expect(e).toBeInstanceOf(InvariantViolation);
      expect((e as Error).message).toMatch(REPLAY);
      return e as Error;
    }
  }
  throw new Error(`no seed in 1..${tries} failed: the check did not fire`);
}

const short = { nodes: 3, chaosMs: 1500, quietMs: 2000 } as const;

describe('final checks fail on a doctored end state', () => {
  it('a stale read in the history is not linearizable', () => {
    const e = failure({
      ...short,
      beforeFinalChecks: ({ workload }) => {
        const w = workload.history.find((op) => op.kind === 'write' && op.ret !== Infinity);
        if (!w) throw new Error('no completed write to contradict');
        // After the write returned, a read of the value before any write: stale.
        workload.history.push({ kind: 'read', key: w.key, value: undefined, call: w.ret + 1, ret: w.ret + 2 });
      },
    });
    expect(e.message).toMatch(/history not linearizable for keys/);
  });

  it('an acknowledged write that is not in the log is lost', () => {
    const e = failure({
      ...short,
      beforeFinalChecks: ({ workload }) => {
        const a = workload.acked[0]!;
        workload.acked.push({ index: a.index, term: a.term + 1, text: a.text }); // same slot, other term
      },
    });
    expect(e.message).toMatch(/acknowledged write lost/);
  });

  it('an acknowledged write past the commit index is lost', () => {
    const e = failure({ ...short, beforeFinalChecks: ({ workload }) => workload.acked.push({ index: 1e9, term: 1, text: '{}' }) });
    expect(e.message).toMatch(/acknowledged write lost/);
  });

  it('a member whose state machine differs from the leader', () => {
    const e = failure({
      ...short,
      beforeFinalChecks: ({ cluster }) => {
        const leader = cluster.leader()!;
        const follower = [...cluster.nodes.values()].find((n) => n.raft && n !== leader && leader.raft!.conf.voters.includes(n.id))!;
        follower.kv.restore(new TextEncoder().encode(JSON.stringify([['x', 'forged']])));
      },
    });
    expect(e.message).toMatch(/state differs from the leader's/);
  });

  it('a member that is behind or down', () => {
    const e = failure({
      ...short,
      beforeFinalChecks: ({ cluster }) => {
        const leader = cluster.leader()!;
        const follower = [...cluster.nodes.values()].find((n) => n.raft && n !== leader && leader.raft!.conf.voters.includes(n.id))!;
        cluster.crash(follower, true);
      },
    });
    expect(e.message).toMatch(/member n\d+ is not running/);
  });

  it('no leader at the end', () => {
    const e = failure({ ...short, beforeFinalChecks: ({ cluster }) => cluster.live().forEach((n) => cluster.crash(n, true)) });
    expect(e.message).toMatch(/no leader after the quiet period/);
  });
});

describe('liveness and disruption checks fail without the protections', () => {
  it('no pre-vote: the isolated straggler raises its term', () => {
    const e = failure({ nodes: 5, protections: { preVote: false } });
    expect(e.message).toMatch(/pre-vote: isolated n\d+ moved from term|disruption: n\d+ is at term/);
  });

  it('no pre-vote and no check-quorum: the rejoining straggler deposes the leader', () => {
    const e = failure({ nodes: 5, protections: { preVote: false, checkQuorum: false } });
    expect(e.message).toMatch(/pre-vote|disruption/);
  });

  it('a network that loses every vote: no leader within the bound', () => {
    const reject = (m: Message): Message => (m.type === 'voteResp' || m.type === 'preVoteResp' ? { ...m, reject: true } : m);
    const e = failure({ ...short, tamper: reject });
    expect(e.message).toMatch(/liveness: no leader 1000 ms after the network healed/);
  });
});

describe('the page-cache disk makes the persistence order matter', () => {
  it('a driver that sends votes and acks before their fsync loses them in a crash, and is caught', () => {
    const e = failure({ nodes: 3, protections: { sendBeforeFsync: true }, crashBeforeFsyncRate: 0.2 }, 100);
    // A lost vote elects a second leader; a lost ack lets a leader commit what only it holds,
    // or leaves a follower behind a match index it never reached.
    expect(e.message).toMatch(/election safety|acknowledged write lost|state machine safety|log matching|leader completeness|linearizable|member n\d+ applied/);
  });
});

describe('the watchdog turns a livelock into a failure with its replay command', () => {
  it('work budget', () => {
    const e = failure({ ...short, watchdog: { maxWork: 5_000, maxWallMs: 60_000 } });
    expect(e.message).toMatch(/watchdog: more than 5000 units of work/);
  });

  it('wall-time budget', () => {
    const e = failure({ ...short, watchdog: { maxWork: 1e9, maxWallMs: 0 } });
    expect(e.message).toMatch(/watchdog: \d+ ms of wall time, limit 0/);
  });
});

describe('invariants checked while the simulation runs fail under sabotage', () => {
  it('a network that rewrites entry payloads breaks log matching or state-machine safety', () => {
    const forged = new TextEncoder().encode(JSON.stringify({ key: 'x', value: 'forged' }));
    let n = 0;
    const rewrite = (m: Message): Message =>
      m.type === 'append' && m.entries.some((e) => e.type === 'normal') && ++n % 3 === 0
        ? { ...m, entries: m.entries.map((e) => (e.type === 'normal' ? { ...e, data: forged } : e)) }
        : m;
    const e = failure({ nodes: 3, tamper: rewrite });
    expect(e.message).toMatch(/log matching|state machine safety|leader completeness/);
  });

  it('a network that forges snapshot images is caught', () => {
    const forged = new TextEncoder().encode(JSON.stringify([['x', 'forged']]));
    const rewrite = (m: Message): Message => (m.snapshot ? { ...m, snapshot: { ...m.snapshot, data: forged } } : m);
    const e = failure({ nodes: 3, tamper: rewrite }, 200);
    expect(e.message).toMatch(/snapshot at \d+ differs|state differs/);
  });
});

const entry = (index: number, term: number, text: string): Entry =>
  ({ index, term, type: 'normal', data: new TextEncoder().encode(text) });

describe('SafetyChecker detects violations fed to it directly', () => {
  it('leader completeness: a new leader without an applied entry', () => {
    const c = new SafetyChecker();
    c.checkApply('b', entry(1, 1, 'x'));
    const a = new RaftNode({ id: 'a', voters: ['a', 'b', 'c'], electionTicks: 10, heartbeatTicks: 1, randomInt: () => 0 });
    a.role = 'leader';
    a.term = 5;
    expect(() => c.checkLeader(a)).toThrow(/leader completeness/);
  });

  it('two different snapshot images at one index', () => {
    const c = new SafetyChecker();
    const snap = { index: 3, term: 1, confState: makeConf(['a']), data: new TextEncoder().encode('[]') };
    c.checkImage('a', snap);
    expect(() => c.checkImage('b', { ...snap, data: new TextEncoder().encode('[["x","1"]]') })).toThrow(/snapshot at 3 differs/);
    expect(() => c.resetApplied('c', { ...snap, term: 2 })).toThrow(/snapshot at 3 differs/);
  });
});
