import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, getJson, tempDir, tsmesos, waitFor, type Proc } from '../helpers/process.js';
import { ELECTION_BOUND_MS, MasterNode, benchWrite, cli, heal, expectRedirectsToLeader, partition, requireIptables, servingLeader } from '../helpers/masters.js';
import { V1Scheduler } from '../helpers/v1-client.js';

// Highly-available masters, multi-process on the real binary (TSMESOS_TEST_FROM_SOURCE=1
// runs the source): three masters on 127.0.1.1-3, an agent on 127.0.1.9, kill -9,
// iptables partitions, full restarts, membership changes and force-new-cluster recovery.
// Default Raft timings (100 ms heartbeat, 1 s election timeout).

/** This file's agent connects over plain HTTP (`up --role agent --master`). */
const PLAIN_AGENTS = ['--agent-tls', 'optional'];

const agentIdOf = async (leader: MasterNode): Promise<string[]> => {
  const s = (await getJson(`${leader.url}/master/state`)).body as { slaves?: { id: string; active: boolean }[] };
  return (s.slaves ?? []).filter((a) => a.active).map((a) => a.id);
};

describe('highly-available masters (multi-process)', () => {
  let port = 0;
  let masters: MasterNode[] = [];
  let agent: Proc | null = null;
  let agentId = '';
  let frameworkId = '';
  const peers = (): string[] => masters.map((m) => m.id);

  beforeAll(async () => {
    port = await freePort('127.0.1.1');
    masters = [1, 2, 3].map((i) => new MasterNode(`127.0.1.${i}`, port));
    for (const m of masters) m.start(peers(), PLAIN_AGENTS);
  });

  afterAll(async () => {
    heal();
    agent?.kill('SIGKILL');
    await Promise.all(masters.map((m) => m.kill()));
  });

  it('elects one leader; followers redirect schedulers and /master/redirect to it; the agent registers', async () => {
    const leader = await servingLeader(masters, 30_000);
    const follower = masters.find((m) => m !== leader)!;
    await expectRedirectsToLeader(follower, leader);
    const metrics = await Promise.all(masters.map(async (m) => ((await getJson(`${m.url}/metrics/snapshot`)).body as Record<string, number>)['master/elected']));
    expect(metrics.sort()).toEqual([0, 0, 1]);

    const agentPort = await freePort('127.0.1.9');
    agent = tsmesos(['up', '--role', 'agent', '--ip', '127.0.1.9', '--port', String(agentPort), '--data-dir', tempDir('tsmesos-ha-agent-'),
      '--master', peers().join(','), '--resources', 'cpus:1;mem:256;disk:256;ports:[31000-31005]']);
    agentId = await waitFor('agent registered', async () => (await agentIdOf(leader))[0], 30_000);
    const s = new V1Scheduler(leader.url);
    const sub = await s.subscribe({ user: 'u', name: 'ha-test', failover_timeout: 3600 });
    expect(sub.type).toBe('SUBSCRIBED');
    frameworkId = s.frameworkId;
    s.close();
  });

  it('kill -9 of the leader: a new leader within the election bound, committed state intact, the agent follows', async () => {
    const old = await servingLeader(masters);
    const before = await benchWrite(old);
    const t0 = Date.now();
    await old.kill('SIGKILL');
    const rest = masters.filter((m) => m !== old);
    const fresh = await servingLeader(rest, ELECTION_BOUND_MS);
    const after = await benchWrite(fresh);
    const failoverMs = Date.now() - t0;
    console.log(`failover after kill -9: ${failoverMs} ms`);
    expect(failoverMs).toBeLessThan(ELECTION_BOUND_MS);
    expect(after).toBeGreaterThan(before);
    const state = JSON.stringify((await getJson(`${fresh.url}/master/state`)).body);
    expect(state).toContain(frameworkId);
    await waitFor('agent follows the new leader', async () => ((await agentIdOf(fresh)).includes(agentId) ? true : undefined), 30_000);
    old.start(peers(), PLAIN_AGENTS);
    await waitFor('old leader rejoins as follower', async () => {
      const s = await old.status();
      return s && s.role === 'follower' && s.applied >= after ? true : undefined;
    }, 20_000);
  });

  it('an iptables-partitioned leader steps down, the majority elects another; healing reconciles', async () => {
    requireIptables();
    const old = await servingLeader(masters);
    const others = masters.filter((m) => m !== old);
    partition(old.ip, others.map((m) => m.ip));
    try {
      const fresh = await servingLeader(others, ELECTION_BOUND_MS);
      const idx = await benchWrite(fresh);
      await waitFor('isolated leader steps down (check-quorum)', async () => ((await old.status())?.role !== 'leader' ? true : undefined), 5000);
      const m = (await getJson(`${old.url}/metrics/snapshot`)).body as Record<string, number>;
      expect(m['master/elected']).toBe(0);
      heal();
      await waitFor('healed node catches up', async () => {
        const s = await old.status();
        return s && s.lead === fresh.id && s.applied >= idx ? true : undefined;
      }, 20_000);
    } finally {
      heal();
    }
  });

  it('restarts all three from disk with registered agents and frameworks', async () => {
    const leader = await servingLeader(masters);
    const last = await benchWrite(leader);
    await Promise.all(masters.map((m) => m.kill('SIGKILL')));
    for (const m of masters) m.start(peers(), PLAIN_AGENTS);
    const again = await servingLeader(masters, 30_000);
    const st = await again.status();
    expect(st!.commit).toBeGreaterThan(last);
    const state = JSON.stringify((await getJson(`${again.url}/master/state`)).body);
    expect(state).toContain(frameworkId);
    expect(state).toContain(agentId);
    await waitFor('agent re-registers', async () => ((await agentIdOf(again)).includes(agentId) ? true : undefined), 30_000);
  });

  it('SIGTERM of the leader hands leadership over before exiting, with no data lost', async () => {
    const leader = await servingLeader(masters);
    const before = (await leader.status())!;
    const last = await benchWrite(leader);
    const output = (): string => leader.output();
    await leader.kill('SIGTERM');
    expect(output()).toContain('leadership transferred');
    const next = await servingLeader(masters.filter((m) => m !== leader));
    const st = (await next.status())!;
    expect(st.term).toBeGreaterThan(before.term);
    expect(st.commit).toBeGreaterThanOrEqual(last);
    leader.start(peers(), PLAIN_AGENTS);
    await waitFor('the old leader rejoins', async () => ((await leader.status())?.role === 'follower' ? true : undefined), 15_000);
  });

  it('recover --force-new-cluster turns one survivor into a one-member cluster with its data', async () => {
    const leader = await servingLeader(masters);
    const last = await benchWrite(leader);
    await waitFor('all applied', async () => ((await Promise.all(masters.map((m) => m.status()))).every((s) => s && s.applied >= last) ? true : undefined), 10_000);
    agent?.kill('SIGKILL');
    agent = null;
    await Promise.all(masters.map((m) => m.kill('SIGKILL')));
    const survivor = masters[1]!;
    const r = await cli(['recover', '--data-dir', survivor.dataDir, '--force-new-cluster']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`recovered ${survivor.id}`);
    survivor.start(peers(), PLAIN_AGENTS); // --peers is ignored once a node has Raft state
    const only = await servingLeader([survivor], 15_000);
    const st = await only.status();
    expect(st!.voters).toEqual([survivor.id]);
    expect(JSON.stringify((await getJson(`${only.url}/master/state`)).body)).toContain(frameworkId);
    expect(await benchWrite(only)).toBeGreaterThan(last);
    await survivor.kill('SIGTERM');
  });
});

describe('membership changes (multi-process)', () => {
  const nodes: MasterNode[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((m) => m.kill()));
  });

  it('grows 1 -> 3 -> 5 with `tsmesos join --role master` (token) and shrinks back with `masters remove`', async () => {
    const port = await freePort('127.0.1.11');
    for (let i = 11; i <= 15; i++) nodes.push(new MasterNode(`127.0.1.${i}`, port));
    const [first] = nodes as [MasterNode];
    first.start([]);
    await servingLeader([first], 20_000);
    await waitFor('the cluster CA', () => (fs.existsSync(path.join(first.dataDir, 'master', 'tls', 'admin.json')) ? true : undefined), 20_000);
    const created = await cli(['token', 'create', '--role', 'master', '--uses', '4', '--data-dir', first.dataDir]);
    expect(created.code, created.out).toBe(0);
    const tokenFile = path.join(tempDir(), 'master-token');
    fs.writeFileSync(tokenFile, created.out.split('\n').find((l) => l.startsWith('TSM1.'))! + '\n', { mode: 0o600 });
    const voters = async (): Promise<string[]> => ((await (await servingLeader(nodes)).status())?.voters ?? []);
    // Joined all at once: each join adds its master as a learner; the leader promotes each once caught up (over mutual TLS).
    for (const n of nodes.slice(1)) {
      n.proc = tsmesos(['join', '--role', 'master', '--token-file', tokenFile, '--ip', n.ip, '--port', String(n.port), '--data-dir', n.dataDir], { env: { ...process.env, TSMESOS_RAFT_BENCH: '1' } });
    }
    await waitFor('all four promoted', async () => ((await voters()).length === 5 ? true : undefined), 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${nodes.map((n) => n.output()).join('\n')}`);
    });
    expect(await voters()).toHaveLength(5);
    const list = await cli(['masters', '--master', nodes[3]!.url]);
    expect(list.code, list.out).toBe(0);
    expect(list.out).toContain('masters: 5');
    expect(list.out).toMatch(/leader/);
    const leader = await servingLeader(nodes);
    await benchWrite(leader);
    for (const n of [...nodes].reverse().slice(0, 4)) {
      const r = await cli(['masters', 'remove', n.id, '--master', first.url, '--data-dir', first.dataDir]);
      expect(r.code, r.out).toBe(0);
      await waitFor(`${n.id} removed`, async () => (!(await voters()).includes(n.id) ? true : undefined), 20_000);
      await n.kill('SIGTERM');
    }
    expect(await voters()).toEqual([first.id]);
    expect(await benchWrite(await servingLeader([first]))).toBeGreaterThan(0);
  }, 180_000);
});
