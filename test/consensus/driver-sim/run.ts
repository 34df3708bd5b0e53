// One seeded simulation of the real RaftDriver on real SQLite files. Everything the driver
// reads from outside comes from the simulation: its clock and timers and its Ready-loop
// scheduling (Scheduler), its transport (the core simulation's Network: delay, reordering,
// loss, duplication, splits, one-way links and bridges), its disk's durability (PageCacheDb:
// a crash keeps only what SQLite fsynced). Per seed: batch size, in-flight window, compaction,
// snapshot chunking, fault rates, clock skew. Chaos: hard crashes (at any moment, and right
// after a send that vouches for a write, before or after its fsync), clean restarts, a
// majority down and back, pauses longer than an election timeout, partitions that always cut,
// membership changes (learners join, voters are removed), also during partitions. Then a quiet
// period: a leader within a bound, a straggler cut off and back without disrupting it, and
// the cluster must converge. Checked throughout: election safety, vote
// safety, log matching, leader completeness, state machine safety, and that every vote and
// append acknowledgement a node sent survives its crash; at the end: convergence, no
// acknowledged write lost, a linearizable client history.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Message, NodeId, Ready, Role } from '../../../src/consensus/core/types.js';
import { planWrite, type PlanWrite } from '../../../src/consensus/driver-persist.js';
import { decodeConfChange } from '../../../src/consensus/core/conf.js';
import { RaftDriver } from '../../../src/consensus/driver.js';
import type { Transport } from '../../../src/consensus/transport.js';
import { silentLogger } from '../../../src/lib/log.js';
import { seededRng, type Rng } from '../../../src/lib/rng.js';
import { checkKvHistory, UNKNOWN_RETURN, type KvOp } from '../linearizability.js';
import { InvariantViolation, SafetyChecker } from '../sim/checker.js';
import { encodePut } from '../sim/kv.js';
import { Network, type NetworkFaults } from '../sim/network.js';
import { DEFAULT_WATCHDOG, Watchdog, type WatchdogLimits } from '../sim/watchdog.js';
import { SqliteKv } from './kv-machine.js';
import { PageCacheDb, type DiskImage } from './page-cache-db.js';
import { Scheduler, type TaskOwner } from './scheduler.js';

export const HEARTBEAT_MS = 10;
export const ELECTION_MS = 100;
/** A leader (that has committed an entry of its term) this long after the heal at the latest. */
export const LEADER_AFTER_HEAL_BOUND_MS = 1000;
/** Two check-quorum windows on the slowest clock: a leader still in place was heard since the heal. */
const SETTLE_MS = Math.ceil(2 * ELECTION_MS * 1.25);
/** The straggler's isolation: longer than two randomized election timeouts on the fastest clock. */
const ISOLATION_MS = 400;

export interface DriverSimOptions {
  readonly seed: number;
  readonly nodes: 3 | 5;
  readonly chaosMs?: number;
  readonly quietMs?: number;
  /** Test-only sabotage: the persistence policy the drivers use instead of planWrite. */
  readonly planWrite?: PlanWrite;
  /** Overrides the seed's rate of crashes right after a send that vouches for a write. */
  readonly crashAtSendRate?: number;
  readonly watchdog?: WatchdogLimits;
  /**
   * Test-only: skip the check at restart that the disk still holds every vote and append
   * acknowledgement the node sent, to prove the end-to-end checks catch lost writes too.
   */
  readonly skipDurabilityCheck?: boolean;
  /** Test-only sabotage: done to the straggler as it is cut off (the disruption check must fail). */
  readonly disturbStraggler?: (driver: RaftDriver) => void;
  /** Test-only sabotage: doctor the end state before the final checks (they must fail). */
  readonly beforeFinalChecks?: (world: DriverSimWorld) => void;
}

/** What the final checks look at. */
export interface DriverSimWorld {
  readonly history: KvOp[];
  readonly acked: { index: number; text: string }[];
  /** The running nodes' state machines. */
  readonly machines: ReadonlyMap<NodeId, SqliteKv>;
}

export interface DriverSimResult {
  readonly acked: number;
  readonly ops: number;
  readonly commit: number;
  readonly elections: number;
  readonly leaderAfterHealMs: number;
  /** The follower cut off and rejoined while the leader was settled (null if there was no time). */
  readonly straggler: NodeId | null;
  readonly stats: {
    crashes: number; crashesAtSend: number; crashesBeforeFsync: number; cleanStops: number; restarts: number; pauses: number; partitions: number;
    oneWay: number; bridges: number; majorityOutages: number; checkpoints: number; commits: number; syncedCommits: number;
    lostWalBytes: number; snapshotsSent: number; confProposals: number; confProposalsDuringCut: number; joined: number; removed: number; decommissioned: number;
  };
}

export const driverSimReplay = (seed: number, nodes: number): string =>
  `RAFT_DRIVER_SIM_SEED=${seed} RAFT_DRIVER_SIM_NODES=${nodes} npx vitest run test/consensus/driver-sim/driver-sim.test.ts`;

interface SimNode extends TaskOwner {
  readonly id: NodeId;
  /** The initial voters for the founders, [] for a node that joins as a learner. */
  readonly bootstrapVoters: readonly NodeId[];
  /** Removed from the cluster (the driver said so): stopped for good. */
  retired: boolean;
  readonly disk: PageCacheDb;
  readonly rng: Rng;
  driver: RaftDriver | null;
  sm: SqliteKv | null;
  backlog: Message[];
  /** A crash decided at a send: the disk as it was then; torn down when the current task ends. */
  crashImage: DiskImage | null;
  restartAt: number;
  /** The latest granted vote and accepted append this node sent: its disk vouches for them. */
  vouchedVote: { term: number; to: NodeId } | null;
  vouchedAppend: { term: number; index: number } | null;
  /** The messages the current Ready sends before its write (a leader's appends and heartbeats). */
  early: readonly Message[] | null;
}

interface Plan {
  readonly network: NetworkFaults;
  readonly readyDelayMax: number;
  readonly driver: { maxBatchEntries: number; maxInflight: number; compactEvery: number; compactKeep: number; snapshotChunkBytes: number; snapshotWindow: number };
  readonly partitionRate: number;
  readonly crashRate: number;
  readonly crashAtSendRate: number;
  readonly pauseRate: number;
  readonly membershipRate: number;
  readonly checkpointRate: number;
  readonly majorityOutage: { at: number; forMs: number } | null;
}

const between = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng.next() * (hi - lo + 1));

function drawPlan(rng: Rng, chaosMs: number): Plan {
  return {
    network: { dropRate: rng.next() * 0.1, duplicateRate: rng.next() * 0.05, maxDelay: between(rng, 2, 20) },
    readyDelayMax: between(rng, 0, 3),
    driver: {
      maxBatchEntries: between(rng, 1, 16), maxInflight: between(rng, 1, 8), compactEvery: between(rng, 4, 24),
      compactKeep: between(rng, 1, 6), snapshotChunkBytes: between(rng, 64, 2048), snapshotWindow: between(rng, 1, 4),
    },
    partitionRate: 0.001 + rng.next() * 0.002,
    crashRate: 0.0005 + rng.next() * 0.0015,
    crashAtSendRate: rng.next() * 0.02,
    pauseRate: rng.next() * 0.001,
    membershipRate: 0.001 + rng.next() * 0.002,
    checkpointRate: 0.002 + rng.next() * 0.02,
    majorityOutage: rng.next() < 0.5 ? { at: between(rng, 300, Math.max(301, chaosMs - 900)), forMs: between(rng, 100, 500) } : null,
  };
}

/** A message whose sender's disk must hold what it claims. */
const vouches = (m: Message): boolean => (m.type === 'voteResp' || m.type === 'appendResp') && !m.reject;

export async function runDriverSimulation(opts: DriverSimOptions): Promise<DriverSimResult> {
  const rng = seededRng(opts.seed);
  const chaosMs = opts.chaosMs ?? 2000;
  const quietMs = opts.quietMs ?? 1200;
  const drawn = drawPlan(rng, chaosMs);
  const plan: Plan = opts.crashAtSendRate === undefined ? drawn : { ...drawn, crashAtSendRate: opts.crashAtSendRate };
  const policy = opts.planWrite ?? planWrite;
  const sched = new Scheduler();
  const net = new Network(rng, { ...plan.network });
  const checker = new SafetyChecker();
  const watchdog = new Watchdog(opts.watchdog ?? DEFAULT_WATCHDOG);
  const base = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'tsmesos-driver-sim-'));
  const stats: DriverSimResult['stats'] = {
    crashes: 0, crashesAtSend: 0, crashesBeforeFsync: 0, cleanStops: 0, restarts: 0, pauses: 0, partitions: 0, oneWay: 0, bridges: 0,
    majorityOutages: 0, checkpoints: 0, commits: 0, syncedCommits: 0, lostWalBytes: 0, snapshotsSent: 0, confProposals: 0, confProposalsDuringCut: 0, joined: 0, removed: 0, decommissioned: 0,
  };
  const initial = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
  const nodes = new Map<NodeId, SimNode>();
  let chaosOn = true;
  /** Nodes a committed change removed. */
  const removedIds = new Set<NodeId>();
  let elections = 0;

  // ---- nodes -----------------------------------------------------------------------------

  const observe = (n: SimNode, rd: Ready, role: Role): void => {
    const raft = n.driver!.raft;
    checker.checkNewEntries(raft, rd.entries);
    if (role === 'leader' && rd.hardState) checker.noteCommit(raft.term, rd.hardState.commit);
    if (rd.snapshot) checker.resetApplied(n.id, rd.snapshot);
    if (rd.compaction) checker.checkImage(n.id, rd.compaction);
    for (const e of rd.committedEntries) {
      checker.checkApply(n.id, e);
      if (e.type === 'confChange') {
        const cc = decodeConfChange(e).change;
        if (cc?.type === 'remove') removedIds.add(cc.node);
      }
    }
    if (rd.softState?.role === 'leader') elections++;
  };

  const transport = (n: SimNode): Transport => ({
    send: (msgs) => {
      if (msgs.length === 0 || n.crashImage || !n.driver) return; // a crashed process sends nothing more
      let vouching = false;
      for (const m of msgs) {
        watchdog.spend(`send ${m.type} ${m.from}->${m.to}`);
        if (m.type === 'snapshotChunk') stats.snapshotsSent++;
        if (vouches(m)) {
          vouching = true;
          if (m.type === 'voteResp') {
            checker.checkVoteGranted(m.from, m.term, m.to);
            n.vouchedVote = { term: m.term, to: m.to };
          } else if (!n.vouchedAppend || m.term > n.vouchedAppend.term || m.index > n.vouchedAppend.index) {
            n.vouchedAppend = { term: m.term, index: m.index };
          }
        }
        if (m.type === 'append' && m.entries.length > 0) vouching = true; // a leader's early send, before its own fsync
        net.send(m, sched.now);
      }
      const early = msgs === n.early;
      n.early = null;
      if (chaosOn && vouching && rng.next() < plan.crashAtSendRate) {
        // The process dies right after these messages left: its disk is what is durable now
        // (for a leader's early sends: before the write of the entries they carry).
        n.crashImage = n.disk.image();
        stats.crashesAtSend++;
        if (early) stats.crashesBeforeFsync++;
      }
    },
    close: () => undefined,
  });

  const boot = (n: SimNode): void => {
    const db = n.disk.open();
    const sm = new SqliteKv(db);
    const driver = new RaftDriver({
      id: n.id, stateMachine: sm, bootstrapVoters: n.bootstrapVoters, transport: transport(n), clock: sched.clock(n), rng: n.rng,
      logger: silentLogger, heartbeatIntervalMs: HEARTBEAT_MS, electionTimeoutMs: ELECTION_MS, ...plan.driver,
      defer: (fn) => { sched.at(sched.now + between(n.rng, 0, plan.readyDelayMax), n, fn); },
      planWrite: (rd, role, synced) => {
        observe(n, rd, role);
        const p = policy(rd, role, synced);
        n.early = p.early.length > 0 ? p.early : null;
        return p;
      },
      onFatal: (e) => { throw e; },
      onRemoved: () => retire(n),
    });
    n.driver = driver;
    n.sm = sm;
    const raft = driver.raft;
    // What it sent before it went down, its disk must still hold.
    const v = opts.skipDurabilityCheck ? null : n.vouchedVote;
    if (v && (raft.term < v.term || (raft.term === v.term && raft.vote !== v.to))) {
      throw new InvariantViolation(`durability: ${n.id} granted its term ${v.term} vote to ${v.to}, restarted with term ${raft.term} vote '${raft.vote}'`);
    }
    const a = opts.skipDurabilityCheck ? null : n.vouchedAppend;
    if (a && (raft.term < a.term || (raft.term === a.term && raft.log.lastIndex() < a.index))) {
      throw new InvariantViolation(`durability: ${n.id} acknowledged its log up to ${a.index} in term ${a.term}, restarted at term ${raft.term} with its log ending at ${raft.log.lastIndex()}`);
    }
    checker.restarted(n.id, raft.log.applied);
    n.disk.checkpoint(); // the schema and identity written at open are on disk from here
    driver.start();
  };

  const down = (n: SimNode): void => {
    n.epoch++;
    n.driver = null;
    n.sm = null;
    n.backlog = [];
    n.crashImage = null;
    n.pausedUntil = 0;
    workload.nodeDown(n.id);
  };

  const hardCrash = (n: SimNode, image?: DiskImage): void => {
    const driver = n.driver;
    if (!driver) return;
    stats.crashes++;
    n.disk.crash(image ?? n.disk.image());
    driver.stop(); // its database is closed: it processes nothing more, it only fails its waiters
    down(n);
  };

  /** The driver stopped itself after its removal (or found it at start): it never comes back. */
  const retire = (n: SimNode): void => {
    stats.removed++;
    n.retired = true;
    n.restartAt = Infinity;
    n.driver?.stop();
    n.disk.close();
    down(n);
  };

  const cleanStop = (n: SimNode): void => {
    const driver = n.driver;
    if (!driver) return;
    stats.cleanStops++;
    driver.stop();
    n.disk.close();
    down(n);
  };

  /** Every call into a node: a crash decided during it takes effect when it returns. */
  const runOn = (n: SimNode, fn: () => void): void => {
    watchdog.spend(`task on ${n.id}`);
    fn();
    if (n.crashImage) hardCrash(n, n.crashImage);
    else if (n.driver) checker.checkLeader(n.driver.raft);
  };

  const addNode = (id: NodeId, bootstrapVoters: readonly NodeId[]): SimNode => {
    const dir = path.join(base, id);
    fs.mkdirSync(dir);
    const n: SimNode = {
      id, bootstrapVoters, retired: false, disk: PageCacheDb.inDir(dir), rng: seededRng(opts.seed * 31 + nodes.size + 1), driver: null, sm: null,
      backlog: [], crashImage: null, restartAt: 0, vouchedVote: null, vouchedAppend: null, early: null, epoch: 0, pausedUntil: 0,
      skew: 0.75 + rng.next() * 0.5,
    };
    nodes.set(id, n);
    return n;
  };
  for (const id of initial) addNode(id, initial);
  /** Every node not removed, running or not (partitions are drawn over them). */
  const members = (): NodeId[] => [...nodes.values()].filter((n) => !n.retired).map((n) => n.id);
  const up = (): SimNode[] => [...nodes.values()].filter((n) => n.driver !== null);
  const leader = (): SimNode | undefined => {
    let best: SimNode | undefined;
    for (const n of up()) if (n.driver!.isLeader() && (!best || n.driver!.raft.term > best.driver!.raft.term)) best = n;
    return best;
  };

  // ---- clients ---------------------------------------------------------------------------

  const workload = new DriverWorkload(rng, sched, nodes, runOn);

  // ---- chaos -----------------------------------------------------------------------------

  let healAt = 0;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
  const shuffled = <T>(xs: readonly T[]): T[] => {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  const chaosStep = (): void => {
    const now = sched.now;
    if (net.isPartitioned() && now >= healAt) net.heal();
    if (!net.isPartitioned() && rng.next() < plan.partitionRate) {
      const order = shuffled(members());
      const kind = rng.next();
      if (kind < 0.5) {
        const k = between(rng, 1, order.length - 1); // both sides non-empty: the split always cuts
        net.partition([order.slice(0, k), order.slice(k)]);
      } else if (kind < 0.75) {
        const k = between(rng, 1, order.length - 1);
        net.oneWay(order.slice(0, k), order.slice(k));
        stats.oneWay++;
      } else {
        const rest = order.slice(1);
        const k = between(rng, 1, rest.length - 1);
        net.bridge(rest.slice(0, k), order[0]!, rest.slice(k));
        stats.bridges++;
      }
      stats.partitions++;
      healAt = now + between(rng, 100, 600);
    }
    const running = up();
    if (running.length > 0 && rng.next() < plan.crashRate) {
      const n = pick(running);
      if (rng.next() < 0.25) cleanStop(n);
      else hardCrash(n);
      n.restartAt = now + between(rng, 20, 400);
    }
    const outage = plan.majorityOutage;
    if (outage && now === outage.at) {
      stats.majorityOutages++;
      for (const n of shuffled(up()).slice(0, Math.floor(members().length / 2) + 1)) {
        hardCrash(n);
        n.restartAt = now + outage.forMs;
      }
    }
    if (rng.next() < plan.membershipRate) changeMembership();
    if (running.length > 0 && rng.next() < plan.pauseRate) {
      const n = pick(running);
      if (n.pausedUntil <= now) {
        n.pausedUntil = now + between(rng, 120, 400); // longer than an election timeout
        stats.pauses++;
      }
    }
  };

  // One change at a time (the core refuses a second while one is pending); a caught-up learner
  // is promoted by the leader's driver itself. A removed node stops when its driver says so.
  let nextId = opts.nodes + 1;
  const changeMembership = (): void => {
    const l = leader();
    if (!l?.driver || l.pausedUntil > sched.now) return;
    const { voters, learners } = l.driver.raft.conf;
    if (learners.length > 0 || l.driver.raft.log.lastConfIndex() > l.driver.raft.log.committed) return; // one is pending
    let cc: { type: 'addLearner' | 'remove'; node: NodeId };
    if (voters.length > opts.nodes || (voters.length === opts.nodes && rng.next() < 0.5) || nextId > opts.nodes + 4) {
      if (voters.length <= 2) return;
      cc = { type: 'remove', node: pick(voters) };
    } else {
      cc = { type: 'addLearner', node: `n${nextId}` };
    }
    runOn(l, () => {
      void l.driver!.proposeConfChange(cc).catch(() => undefined); // the outcome shows in the conf
    });
    stats.confProposals++;
    if (net.isPartitioned()) stats.confProposalsDuringCut++;
    if (cc.type === 'addLearner') {
      nextId++;
      stats.joined++;
      const n = addNode(cc.node, []);
      n.restartAt = sched.now + between(rng, 0, 100);
    }
  };

  const restartDue = (): void => {
    for (const n of nodes.values()) {
      if (n.driver || n.retired || n.restartAt > sched.now) continue;
      if (removedIds.has(n.id)) {
        // Removed while it was down: the operator decommissioned it. Started again it would
        // never hear of its removal (the leader no longer talks to it) and, with other such
        // nodes, campaign in its old configuration and depose the leader through a member
        // whose lease has lapsed (found by seed 251 of the 5-node runs; not handled yet).
        n.retired = true;
        n.restartAt = Infinity;
        stats.decommissioned++;
        continue;
      }
      stats.restarts++;
      boot(n);
    }
  };

  // ---- the loop --------------------------------------------------------------------------

  const step = (): void => {
    sched.now++;
    watchdog.spend('ms');
    if (chaosOn) chaosStep();
    restartDue();
    workload.step(sched.now < chaosMs + quietMs - 500 ? 0.02 : 0);
    for (const n of nodes.values()) {
      if (n.driver && n.backlog.length > 0 && n.pausedUntil <= sched.now) {
        const msgs = n.backlog.splice(0);
        runOn(n, () => { for (const m of msgs) n.driver?.receive(m); });
      }
    }
    for (const m of net.due(sched.now)) {
      const n = nodes.get(m.to);
      if (!n?.driver) continue;
      if (n.pausedUntil > sched.now) n.backlog.push(m);
      else runOn(n, () => n.driver!.receive(m));
    }
    sched.runDue((owner, fn) => runOn(owner as SimNode, fn));
    for (const n of nodes.values()) {
      if (n.driver && n.pausedUntil <= sched.now && rng.next() < plan.checkpointRate) {
        n.disk.checkpoint();
        stats.checkpoints++;
      }
    }
  };

  let leaderAfterHealMs = -1;
  let straggler: NodeId | null = null;
  try {
    for (const n of nodes.values()) boot(n);
    while (sched.now < chaosMs) {
      step();
      await workload.settle();
    }
    chaosOn = false;
    net.heal();
    net.faults = { ...plan.network, dropRate: 0, duplicateRate: 0, maxDelay: 5 };
    for (const n of nodes.values()) {
      n.pausedUntil = 0;
      if (!n.retired) n.restartAt = 0;
    }
    // Liveness and disruption: a leader within a bound; once it is settled, one follower is
    // cut off for longer than any election timeout and rejoins. From then on nobody's term may
    // pass the leader's (pre-vote) and the leader stays (check-quorum lease, no disruption).
    const healedAt = sched.now;
    const end = chaosMs + quietMs;
    let stable: { id: NodeId; term: number } | null = null;
    let isolatedUntil = 0;
    while (sched.now < end) {
      step();
      await workload.settle();
      const now = sched.now;
      const l = leader();
      if (leaderAfterHealMs < 0) {
        if (l?.driver?.leaderReady()) leaderAfterHealMs = now - healedAt;
        else if (now - healedAt > LEADER_AFTER_HEAL_BOUND_MS) throw new InvariantViolation(`liveness: no leader ${LEADER_AFTER_HEAL_BOUND_MS} ms after the network healed`);
        continue;
      }
      if (!stable) {
        if (now < healedAt + leaderAfterHealMs + SETTLE_MS || now + ISOLATION_MS + 300 > end || !l?.driver?.leaderReady()) continue;
        // Only with the membership settled and a quorum left without the straggler.
        const raft = l.driver.raft;
        const voters = raft.conf.voters;
        const followers = voters.filter((id) => id !== l.id && nodes.get(id)?.driver);
        if (raft.conf.learners.length > 0 || raft.log.lastConfIndex() > raft.log.committed || followers.length < Math.floor(voters.length / 2) + 1) continue;
        stable = { id: l.id, term: raft.term };
        straggler = pick(followers);
        net.partition([[straggler], members().filter((id) => id !== straggler)]);
        isolatedUntil = now + ISOLATION_MS;
        const d = nodes.get(straggler)!.driver!;
        if (opts.disturbStraggler) runOn(nodes.get(straggler)!, () => opts.disturbStraggler!(d));
        continue;
      }
      if (isolatedUntil > 0 && now >= isolatedUntil) {
        net.heal();
        isolatedUntil = 0;
      }
      // Members only: a node removed while it was down never hears of it (the leader no longer
      // talks to it) and may campaign among such zombies; what matters is that the members and
      // the leader are undisturbed.
      const conf = l?.driver?.raft.conf;
      for (const n of up()) {
        if (conf && !conf.voters.includes(n.id) && !conf.learners.includes(n.id)) continue;
        const term = n.driver!.raft.term;
        if (term > stable.term) throw new InvariantViolation(`disruption: ${n.id} raised its term to ${term} while ${stable.id} led term ${stable.term} (straggler ${straggler})`);
      }
      if (l?.id !== stable.id) throw new InvariantViolation(`disruption: ${stable.id} stopped leading term ${stable.term} in a stable period (straggler ${straggler})`);
    }
    workload.finish();
    const machines = new Map<NodeId, SqliteKv>();
    for (const n of nodes.values()) if (n.sm) machines.set(n.id, n.sm);
    opts.beforeFinalChecks?.({ history: workload.history, acked: workload.acked, machines });
    // ---- final checks ----
    const l = leader();
    if (!l?.driver) throw new InvariantViolation('no leader after the quiet period');
    const raft = l.driver.raft;
    const commit = raft.log.committed;
    for (const id of [...raft.conf.voters, ...raft.conf.learners]) {
      const n = nodes.get(id);
      if (!n?.driver || !n.sm) throw new InvariantViolation(`member ${id} is not running`);
      if (n.driver.raft.log.applied !== commit) {
        throw new InvariantViolation(`member ${id} applied ${n.driver.raft.log.applied}, leader committed ${commit}: ${JSON.stringify(n.driver.status())}`);
      }
      if (n.sm.dump() !== l.sm!.dump()) throw new InvariantViolation(`member ${id} state differs from the leader's`);
    }
    for (const a of workload.acked) {
      if (a.index > commit || !(checker.appliedAt(a.index) ?? '').endsWith(`/normal:${a.text}`)) {
        throw new InvariantViolation(`acknowledged write lost: ${a.text} at ${a.index}`);
      }
    }
    const bad = checkKvHistory(workload.history);
    if (bad.length > 0) throw new InvariantViolation(`history not linearizable for keys ${bad.join(',')}`);
    for (const n of nodes.values()) {
      stats.commits += n.disk.stats.commits;
      stats.syncedCommits += n.disk.stats.syncedCommits;
      stats.lostWalBytes += n.disk.stats.lostWalBytes;
    }
    return { acked: workload.acked.length, ops: workload.history.length, commit, elections, leaderAfterHealMs, straggler, stats };
  } catch (e) {
    throw new InvariantViolation(`seed ${opts.seed} (${opts.nodes} nodes) failed at t=${sched.now}ms: ${(e as Error).message}\n` +
      `replay: ${driverSimReplay(opts.seed, opts.nodes)}`, { cause: e });
  } finally {
    for (const n of nodes.values()) {
      const driver = n.driver;
      n.epoch++;
      n.disk.close();
      driver?.stop();
    }
    await workload.settle(); // rejected waiters
    fs.rmSync(base, { recursive: true, force: true });
  }
}

// ---- clients -------------------------------------------------------------------------------

const KEYS = ['x', 'y', 'z'];
const CLIENTS = 5;
const OP_TIMEOUT_MS = 600;
const decoder = new TextDecoder();

interface Pending {
  readonly kind: 'write' | 'read';
  readonly node: NodeId;
  readonly key: string;
  readonly value: string;
  readonly call: number;
}

/**
 * Simulated clients calling the drivers' own API: propose() for writes, readBarrier() then a
 * read of the node's SQLite state for reads. A client waits for its operation (or gives up);
 * an operation returns at the end of the millisecond in which its promise settled.
 */
class DriverWorkload {
  readonly history: KvOp[] = [];
  readonly acked: { index: number; text: string }[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly hint = new Map<number, NodeId>();
  private seq = 0;

  constructor(
    private readonly rng: Rng, private readonly sched: Scheduler,
    private readonly nodes: ReadonlyMap<NodeId, SimNode>, private readonly runOn: (n: SimNode, fn: () => void) => void,
  ) {}

  step(startRate: number): void {
    const now = this.sched.now;
    for (let c = 0; c < CLIENTS; c++) {
      const p = this.pending.get(c);
      if (p) {
        if (now - p.call > OP_TIMEOUT_MS) this.giveUp(c, p);
      } else if (startRate > 0 && this.rng.next() < startRate) {
        this.start(c);
      }
    }
  }

  private start(c: number): void {
    const now = this.sched.now;
    const live = [...this.nodes.values()].filter((n) => n.driver && n.pausedUntil <= now);
    const hinted = this.nodes.get(this.hint.get(c) ?? '');
    const n = hinted?.driver && hinted.pausedUntil <= now ? hinted : live[Math.floor(this.rng.next() * live.length)];
    const driver = n?.driver;
    if (!n || !driver) return;
    if (!driver.isLeader()) {
      const lead = driver.leaderId();
      if (lead) this.hint.set(c, lead);
      else this.hint.delete(c);
      return;
    }
    const key = KEYS[Math.floor(this.rng.next() * KEYS.length)]!;
    this.seq++;
    const epoch = n.epoch;
    if (this.rng.next() < 0.5) {
      const value = `c${c}-${this.seq}`;
      const p: Pending = { kind: 'write', node: n.id, key, value, call: now };
      const bytes = encodePut({ key, value });
      this.pending.set(c, p);
      this.runOn(n, () => {
        driver.propose(bytes).then((index) => {
          if (this.pending.get(c) !== p) return;
          this.pending.delete(c);
          this.history.push({ kind: 'write', key, value, call: p.call, ret: this.sched.now + 0.5 });
          this.acked.push({ index, text: decoder.decode(bytes) });
        }, () => {
          if (this.pending.get(c) === p) this.giveUp(c, p); // proposed: it may still commit
        });
      });
    } else {
      const p: Pending = { kind: 'read', node: n.id, key, value: '', call: now };
      this.pending.set(c, p);
      this.runOn(n, () => {
        driver.readBarrier(3 * ELECTION_MS).then(() => {
          if (this.pending.get(c) !== p) return;
          this.pending.delete(c);
          if (n.epoch !== epoch || !n.sm) return; // went down meanwhile: the client never saw an answer
          this.history.push({ kind: 'read', key, value: n.sm.get(key), call: p.call, ret: this.sched.now + 0.5 });
        }, () => {
          if (this.pending.get(c) === p) this.pending.delete(c); // a failed read has no effect
        });
      });
    }
  }

  /** A write given up on may still take effect later; a read given up on has none. */
  private giveUp(c: number, p: Pending): void {
    this.pending.delete(c);
    this.hint.delete(c);
    if (p.kind === 'write') this.history.push({ kind: 'write', key: p.key, value: p.value, call: p.call, ret: UNKNOWN_RETURN });
  }

  /** The node went down: its clients never learn the outcome. */
  nodeDown(id: NodeId): void {
    for (const [c, p] of [...this.pending]) if (p.node === id) this.giveUp(c, p);
  }

  finish(): void {
    for (const [c, p] of [...this.pending]) this.giveUp(c, p);
  }

  /**
   * Lets the drivers' settled promises run their callbacks (the simulation is otherwise
   * synchronous). Each callback is attached straight to a driver's promise, so it was queued
   * when that promise settled, ahead of this await's continuation; one more turn is spare.
   */
  async settle(): Promise<void> {
    await Promise.resolve();
    await Promise.resolve();
  }
}
