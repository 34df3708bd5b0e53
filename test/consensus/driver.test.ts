import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { RaftDriver } from '../../src/consensus/driver.js';
import { RaftLog } from '../../src/ha/raft-command-log.js';
import { HttpClient } from '../../src/lib/http-client.js';
import { HttpTransport, type Transport, type TransportFaults } from '../../src/consensus/transport.js';
import { raftApp } from '../../src/consensus/http-api.js';
import type { Message, NodeId } from '../../src/consensus/core/types.js';
import { Registry } from '../../src/registry/registry.js';
import type { RegistryCommand } from '../../src/registry/commands.js';
import { systemClock } from '../../src/lib/clock.js';
import { seededRng } from '../../src/lib/rng.js';
import { silentLogger } from '../../src/lib/log.js';
import { listen, type RunningServer } from '../../src/lib/http-server.js';
import { freePort, tempDir, waitFor } from '../helpers/process.js';
import { Hono } from 'hono';

// In-process Raft drivers on real SQLite storage (temp dirs) and the real clock, talking
// through an in-memory network (and once over real HTTP on 127.0.0.1).

const HEARTBEAT = 20;
const ELECTION = 200;

/** Delivers asynchronously; `blocked` cuts a node off in both directions. */
class Net {
  readonly nodes = new Map<NodeId, RaftDriver>();
  readonly blocked = new Set<NodeId>();
  transport(self: NodeId): Transport {
    return {
      send: (msgs: readonly Message[]) => {
        for (const m of msgs) {
          if (this.blocked.has(self) || this.blocked.has(m.to)) continue;
          setImmediate(() => this.nodes.get(m.to)?.receive(m));
        }
      },
      close: () => undefined,
    };
  }
}

interface TestNode { id: NodeId; dir: string; registry: Registry; driver: RaftDriver; log: RaftLog }

const admit = (id: string): RegistryCommand => ({
  type: 'ADMIT_AGENT', agent: { id, hostname: 'h', ip: '127.0.0.1', port: 5051, resources: [], attributes: [], registeredAt: 0 },
});

let live: TestNode[] = [];
afterEach(() => {
  for (const n of live) {
    n.driver.stop();
    n.registry.close();
  }
  live = [];
});

function startNode(net: Net, id: NodeId, dir: string, voters: readonly NodeId[], extra: Partial<ConstructorParameters<typeof RaftDriver>[0]> = {}): TestNode {
  const registry = Registry.open(path.join(dir, 'master'));
  const driver = new RaftDriver({
    id, stateMachine: registry, bootstrapVoters: voters, transport: net.transport(id), clock: systemClock, rng: seededRng(id.length * 7919 + Number(id.split(':')[1])),
    logger: silentLogger, heartbeatIntervalMs: HEARTBEAT, electionTimeoutMs: ELECTION, ...extra,
  });
  net.nodes.set(id, driver);
  driver.start();
  const n = { id, dir, registry, driver, log: new RaftLog(driver) };
  live.push(n);
  return n;
}

function stopNode(net: Net, n: TestNode): void {
  n.driver.stop();
  n.registry.close();
  net.nodes.delete(n.id);
  live = live.filter((x) => x !== n);
}

const leaderOf = (nodes: TestNode[]): TestNode | undefined => nodes.find((n) => n.driver.leaderReady());
const waitLeader = (nodes: TestNode[], timeoutMs = 5000): Promise<TestNode> => waitFor('a leader', () => leaderOf(nodes), timeoutMs, 10);

function cluster(net: Net, size: number, extra: Partial<ConstructorParameters<typeof RaftDriver>[0]> = {}): TestNode[] {
  const ids = Array.from({ length: size }, (_, i) => `127.0.0.1:${7001 + i}`);
  return ids.map((id) => startNode(net, id, tempDir('tsmesos-driver-'), ids, extra));
}

describe('RaftDriver', () => {
  it('elects a leader, replicates and applies proposals on every member; followers refuse proposals', async () => {
    const net = new Net();
    const nodes = cluster(net, 3);
    const leader = await waitLeader(nodes);
    const indices = await Promise.all(Array.from({ length: 20 }, (_, i) => leader.log.propose(admit(`a${i}`))));
    expect(new Set(indices).size).toBe(20);
    expect(leader.registry.agents()).toHaveLength(20);
    await waitFor('followers applied', () => (nodes.every((n) => n.registry.agents().length === 20) ? true : undefined), 5000, 10);
    const follower = nodes.find((n) => n !== leader)!;
    await expect(follower.log.propose(admit('x'))).rejects.toMatchObject({ code: 'NOT_LEADER' });
    await leader.log.readBarrier();
    await expect(follower.log.readBarrier()).rejects.toMatchObject({ code: 'NOT_LEADER' });
  });

  it('an isolated leader fails its pending proposals and read barriers; the majority elects a new leader', async () => {
    const net = new Net();
    const nodes = cluster(net, 3);
    const old = await waitLeader(nodes);
    net.blocked.add(old.id);
    const stuck = old.log.propose(admit('lost?'));
    const read = old.log.readBarrier();
    await expect(read).rejects.toMatchObject({ code: expect.stringMatching(/NOT_LEADER|TIMEOUT/) as unknown });
    await expect(stuck).rejects.toMatchObject({ code: 'NOT_LEADER' });
    const rest = nodes.filter((n) => n !== old);
    const fresh = await waitLeader(rest);
    await fresh.log.propose(admit('after'));
    net.blocked.clear();
    await waitFor('old leader catches up', () => (old.registry.agent('after') ? true : undefined), 5000, 10);
    expect(old.driver.isLeader()).toBe(false);
  });

  it('restarts from disk with its registry and log intact', async () => {
    const net = new Net();
    let nodes = cluster(net, 3);
    const leader = await waitLeader(nodes);
    for (let i = 0; i < 10; i++) await leader.log.propose(admit(`r${i}`));
    await waitFor('all applied', () => (nodes.every((n) => n.registry.agents().length === 10) ? true : undefined), 5000, 10);
    const dirs = nodes.map((n) => ({ id: n.id, dir: n.dir }));
    const applied = nodes.map((n) => n.registry.appliedIndex());
    for (const n of [...nodes]) stopNode(net, n);
    nodes = dirs.map((d) => startNode(net, d.id, d.dir, dirs.map((x) => x.id)));
    nodes.forEach((n, i) => expect(n.registry.appliedIndex()).toBe(applied[i]));
    const again = await waitLeader(nodes);
    await again.log.propose(admit('r10'));
    await waitFor('all applied', () => (nodes.every((n) => n.registry.agents().length === 11) ? true : undefined), 5000, 10);
    expect(again.driver.status().term).toBeGreaterThan(1);
  });

  it('a new learner catches up from a snapshot, is promoted, and can be removed', async () => {
    const net = new Net();
    const nodes = cluster(net, 3, { compactEvery: 10, compactKeep: 2 });
    const leader = await waitLeader(nodes);
    for (let i = 0; i < 40; i++) await leader.log.propose(admit(`s${i}`));
    await waitFor('compaction', () => (leader.driver.status().snapshotIndex > 0 ? true : undefined), 5000, 10);
    const joinerId = '127.0.0.1:7009';
    const joiner = startNode(net, joinerId, tempDir('tsmesos-driver-'), []);
    expect(joiner.driver.status().voters).toEqual([]);
    await leader.driver.proposeConfChange({ type: 'addLearner', node: joinerId });
    await waitFor('promotion', () => (leader.driver.status().voters.includes(joinerId) ? true : undefined), 5000, 10);
    await waitFor('joiner applied', () => (joiner.registry.agents().length === 40 ? true : undefined), 5000, 10);
    expect(joiner.driver.status().snapshotIndex).toBeGreaterThan(0);
    await waitFor('joiner knows it is a voter', () => (joiner.driver.status().role === 'follower' ? true : undefined), 5000, 10);
    await leader.log.propose(admit('s40'));
    await waitFor('joiner follows', () => (joiner.registry.agent('s40') ? true : undefined), 5000, 10);
    await leader.driver.proposeConfChange({ type: 'remove', node: joinerId });
    expect(leader.driver.status().voters).not.toContain(joinerId);
  });

  it('a removed follower and a leader that removed itself notice, stop taking part and report it; a removed data directory stays out', async () => {
    const net = new Net();
    const ids = Array.from({ length: 4 }, (_, i) => `127.0.0.1:${7301 + i}`);
    const removed = new Map<NodeId, number>();
    const nodes = ids.map((id) => startNode(net, id, tempDir('tsmesos-driver-'), ids, { onRemoved: ({ confIndex }) => removed.set(id, confIndex) }));
    const leader = await waitLeader(nodes);
    await leader.log.propose(admit('before'));
    const follower = nodes.find((n) => n !== leader)!;
    const index = await leader.driver.proposeConfChange({ type: 'remove', node: follower.id });
    await waitFor('the follower notices', () => removed.get(follower.id), 5000, 10);
    expect(removed.get(follower.id)).toBe(index);
    expect(follower.driver.removedFromCluster()).toBe(index);
    expect(follower.driver.status().voters).not.toContain(follower.id);
    // The leader removes itself: it hands over, the rest elect a leader and go on without it.
    const rest = nodes.filter((n) => n !== leader && n !== follower);
    const selfIndex = await leader.driver.proposeConfChange({ type: 'remove', node: leader.id });
    await waitFor('the old leader notices', () => removed.get(leader.id), 5000, 10);
    expect(removed.get(leader.id)).toBe(selfIndex);
    const next = await waitLeader(rest);
    await next.log.propose(admit('after'));
    await waitFor('the others apply', () => (rest.every((n) => n.registry.agent('after')) ? true : undefined), 5000, 10);
    expect(follower.registry.agent('after')).toBeUndefined();
    expect(removed.size).toBe(2);
    // Restarted on its data directory, the removed follower reports its removal at once and stays out.
    stopNode(net, follower);
    removed.delete(follower.id);
    const again = startNode(net, follower.id, follower.dir, ids, { onRemoved: ({ confIndex }) => removed.set(follower.id, confIndex) });
    await waitFor('the restarted follower reports its removal', () => removed.get(follower.id), 5000, 10);
    expect(removed.get(follower.id)).toBe(index);
    expect(again.driver.isLeader()).toBe(false);
    expect(again.driver.leaderId()).toBe('');
  });

  it('hands leadership over on graceful stop: the transferee wins the next term while the old leader still runs', async () => {
    // No timing assertion (the machine is noisy): the handover shows in the terms instead. A
    // transfer that failed would leave the others to an election timeout after the stop.
    const net = new Net();
    const nodes = cluster(net, 3);
    const leader = await waitLeader(nodes);
    await leader.log.propose(admit('t'));
    const term = leader.driver.status().term;
    expect(await leader.driver.transferLeadership(ELECTION * 10)).toBe(true);
    const others = nodes.filter((n) => n !== leader);
    const next = await waitFor('the transferee leads', () => others.find((n) => n.driver.isLeader()), 5000, 5);
    expect(next.driver.status().term).toBe(term + 1);
    stopNode(net, leader);
    await waitLeader(others, 5000);
    await next.log.propose(admit('t2'));
  });

  it('a sole member restarted on a new address keeps its data; a member of a larger cluster refuses to', async () => {
    const net = new Net();
    const dir = tempDir('tsmesos-driver-');
    const a = startNode(net, '127.0.0.1:7101', dir, ['127.0.0.1:7101']);
    await waitLeader([a]);
    await a.log.propose(admit('kept'));
    stopNode(net, a);
    const b = startNode(net, '127.0.0.1:7102', dir, ['127.0.0.1:7102']);
    expect(b.driver.status().voters).toEqual(['127.0.0.1:7102']);
    await waitLeader([b]);
    expect(b.registry.agent('kept')).toBeDefined();
    await b.log.propose(admit('new'));
    stopNode(net, b);
    const nodes = cluster(net, 3);
    await waitLeader(nodes);
    const victim = nodes[0]!;
    stopNode(net, victim);
    expect(() => startNode(net, '127.0.0.1:7199', victim.dir, [])).toThrow(/belongs to master 127.0.0.1:7001/);
  });

  async function overHttp(faults: TransportFaults | undefined, commands: number): Promise<TestNode[]> {
    const ports = [await freePort(), await freePort(), await freePort()];
    const ids = ports.map((p) => `127.0.0.1:${p}`);
    const servers: RunningServer[] = [];
    const nodes: TestNode[] = [];
    try {
      for (const id of ids) {
        const dir = tempDir('tsmesos-driver-http-');
        const registry = Registry.open(path.join(dir, 'master'));
        const driver = new RaftDriver({
          id, stateMachine: registry, bootstrapVoters: ids, clock: systemClock, rng: seededRng(Number(id.split(':')[1])), logger: silentLogger,
          transport: new HttpTransport({ self: id, http: new HttpClient({ localAddress: '127.0.0.1' }), clock: systemClock, rng: seededRng(Number(id.split(':')[1])), logger: silentLogger, ...(faults ? { faults } : {}) }),
          heartbeatIntervalMs: HEARTBEAT, electionTimeoutMs: ELECTION,
        });
        const log = new RaftLog(driver);
        const app = new Hono();
        app.route('/', raftApp(driver));
        servers.push(await listen(app, '127.0.0.1', Number(id.split(':')[1])));
        const n = { id, dir, registry, driver, log };
        nodes.push(n);
        live.push(n);
      }
      for (const n of nodes) n.driver.start();
      for (let i = 0; i < commands; i++) {
        // Lost messages may cost the leader its term: retry each command (bounded) on whoever leads.
        for (let attempt = 0; ; attempt++) {
          const leader = await waitLeader(nodes, 10_000);
          try {
            await leader.log.propose(admit(`h${i}`));
            break;
          } catch (e) {
            if (attempt >= 20) throw e;
          }
        }
      }
      await waitFor('replicated over HTTP', () => (nodes.every((n) => n.registry.agents().length === commands) ? true : undefined), 15_000, 10);
      return nodes;
    } finally {
      for (const n of nodes) n.driver.stop();
      await Promise.all(servers.map((s) => s.close()));
    }
  }

  it('runs over the HTTP peer transport on 127.0.0.1', async () => {
    await overHttp(undefined, 10);
  });

  it('converges through the transport fault hooks: drops, duplicates and delays', async () => {
    const nodes = await overHttp({ drop: 0.15, duplicate: 0.2, delayMs: 15 }, 40);
    const images = nodes.map((n) => JSON.stringify(n.registry.agents()));
    expect(new Set(images).size).toBe(1);
  });
});
