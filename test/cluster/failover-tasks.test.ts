import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, getJson, tempDir, tsmesos, waitFor, type Proc } from '../helpers/process.js';
import { MasterNode, expectRedirectsToLeader, heal, partition, requireIptables, servingLeader as servingLeaderWithin } from '../helpers/masters.js';
import { V1Scheduler, offersOf, updateOf, type Event } from '../helpers/v1-client.js';

// Master failover with running tasks, multi-process on the real binary
// (TSMESOS_TEST_FROM_SOURCE=1 runs the source). Three masters on 127.0.3.1-3 and one
// agent on 127.0.3.9 (ha.test.ts uses 127.0.1.x, so both files can run at once).
// What the leader does on election: it loads the registry, marks registered agents as
// recovering and waits for them to reregister before treating their tasks as unknown;
// frameworks resubscribe; no task is killed because a new leader's memory is empty.

const MASTER_IPS = ['127.0.3.1', '127.0.3.2', '127.0.3.3'];
const AGENT_IP = '127.0.3.9';
const ELECTION_BOUND_MS = 8000;
const servingLeader = (nodes: MasterNode[], timeoutMs = ELECTION_BOUND_MS): Promise<MasterNode> => servingLeaderWithin(nodes, timeoutMs);
const MASTER_ARGS = ['--heartbeat-interval', '100ms', '--election-timeout', '1secs', '--agent-tls', 'optional']; // 1-2 s randomized election timeout + vote rounds + slack on 2 shared cores
const FRAMEWORK_INFO = {
  user: 'root', name: 'failover-tasks', checkpoint: true, failover_timeout: 3600, capabilities: [{ type: 'PARTITION_AWARE' }],
};

interface LegacyTask { id: string; state: string; slave_id: string }
interface LegacyState {
  slaves: { id: string; active: boolean; reregistered_time?: number }[];
  recovered_slaves: { id: string }[];
  frameworks: { id: string; active: boolean; connected: boolean; recovered: boolean; tasks: LegacyTask[] }[];
}
interface AgentState {
  id: string;
  master_hostname: string;
  frameworks: { id: string; executors: { id: string; directory: string; tasks: { id: string; state: string }[] }[] }[];
}

/** The process exists and is not a zombie (an exited task of a SIGSTOPped agent stays unreaped). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

const isUpdateFor = (taskId: string, pred: (s: ReturnType<typeof updateOf>) => boolean = () => true) => (e: Event): boolean =>
  e.type === 'UPDATE' && updateOf(e).task_id.value === taskId && pred(updateOf(e));

describe('master failover with running tasks (multi-process)', () => {
  let masters: MasterNode[] = [];
  let agent: Proc | null = null;
  let agentPort = 0;
  let agentId = '';
  let fw: V1Scheduler | null = null;
  let frameworkId = '';
  const pids = new Map<string, number>();
  const peers = (): string[] => masters.map((m) => m.id);
  const addresses = (): string[] => masters.map((m) => m.url);
  const agentUrl = (): string => `http://${AGENT_IP}:${agentPort}`;
  /** Every event the framework received on any of its streams, for "nothing was killed" checks. */
  const allEvents: Event[] = [];

  const dumpOnFailure = (): void => {
    onTestFailed(() => {
      for (const m of masters) console.log(`--- master ${m.id} output ---\n${m.output().slice(-20_000)}`);
      console.log(`--- agent ${AGENT_IP}:${agentPort} output ---\n${agent?.output().slice(-20_000) ?? ''}`);
      console.log(`--- framework events ---\n${allEvents.map((e) => JSON.stringify(e)).join('\n').slice(-10_000)}`);
    });
  };

  const masterState = async (m: MasterNode): Promise<LegacyState> => {
    const r = await getJson(`${m.url}/master/state`);
    if (r.status !== 200) throw new Error(`/master/state on ${m.id} answered ${r.status}`);
    return r.body as LegacyState;
  };
  const agentState = async (): Promise<AgentState> => (await getJson(`${agentUrl()}/state`)).body as AgentState;

  /**
   * What a framework given every master address does after losing its master: ask any
   * master where the leader is (/master/redirect), SUBSCRIBE there and follow a 307.
   * Bounded by `timeoutMs`.
   */
  const resubscribe = async (leader: MasterNode, timeoutMs = 20_000): Promise<V1Scheduler> => {
    const s = await waitFor('the framework resubscribes with the leader', async () => {
      for (const a of addresses()) {
        const rd = await fetch(`${a}/master/redirect`, { redirect: 'manual', signal: AbortSignal.timeout(1000) }).catch(() => null);
        await rd?.body?.cancel();
        if (rd?.status !== 307) continue;
        const client = new V1Scheduler(a);
        const first = await client.subscribe({ ...FRAMEWORK_INFO, id: { value: frameworkId } }, { followRedirects: 1 }).catch(() => null);
        if (first?.type === 'SUBSCRIBED') return client;
        client.close();
      }
      return undefined;
    }, timeoutMs, 200);
    // The 307 (if any) named the real leader, and the client ends up talking to it.
    for (const loc of s.redirects.slice(-1)) expect(loc).toBe(`//${leader.id}/api/v1/scheduler`);
    expect(s.master).toBe(leader.url);
    expect(s.frameworkId).toBe(frameworkId);
    return s;
  };

  /** Collects the framework's events into allEvents as they arrive (the queue itself stays intact). */
  const track = (s: V1Scheduler): V1Scheduler => {
    const push = s.events.push.bind(s.events);
    s.events.push = (...items: Event[]): number => {
      allEvents.push(...items);
      return push(...items);
    };
    return s;
  };

  /** Acknowledges updates carrying a uuid until `taskId` reaches `state`. */
  const follow = async (s: V1Scheduler, taskId: string, state: string): Promise<string[]> => {
    const states: string[] = [];
    for (let i = 0; i < 10; i++) {
      const st = updateOf(await s.next(isUpdateFor(taskId), 30_000));
      states.push(st.state);
      if (st.uuid) expect((await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: st.agent_id, task_id: st.task_id, uuid: st.uuid } })).status).toBe(202);
      if (st.state === state) return states;
    }
    throw new Error(`task ${taskId} never reached ${state}: ${states.join(',')}`);
  };

  /** Implicit reconciliation: one update per task the master knows, without uuid. */
  const reconcileImplicit = async (s: V1Scheduler, taskId: string): Promise<ReturnType<typeof updateOf>> => {
    // Answers to earlier reconciliations must not stand in for this one.
    for (let i = s.events.length - 1; i >= 0; i--) {
      const e = s.events[i]!;
      if (e.type === 'UPDATE' && updateOf(e).reason === 'REASON_RECONCILIATION') s.events.splice(i, 1);
    }
    expect((await s.call({ type: 'RECONCILE', reconcile: { tasks: [] } })).status).toBe(202);
    const st = updateOf(await s.next(isUpdateFor(taskId, (u) => u.reason === 'REASON_RECONCILIATION'), 10_000));
    expect(st.uuid).toBeUndefined();
    return st;
  };

  const killedTasks = (): string[] =>
    allEvents.filter((e) => e.type === 'UPDATE' && !['TASK_STARTING', 'TASK_RUNNING'].includes(updateOf(e).state))
      .map((e) => `${updateOf(e).task_id.value}:${updateOf(e).state}`).filter((x) => !x.startsWith('ghost-') && !x.startsWith('victim:TASK_KILLED') && !x.startsWith('cut-off:TASK_KILLED') && !x.startsWith('finisher:TASK_FAILED'));

  const restartAndCatchUp = async (old: MasterNode, leader: MasterNode): Promise<void> => {
    const target = (await leader.status())!.commit;
    old.start(peers(), MASTER_ARGS);
    await waitFor(`${old.id} rejoins as a caught-up follower`, async () => {
      const st = await old.status();
      return st && st.role === 'follower' && st.applied >= target ? true : undefined;
    }, 30_000);
  };

  beforeAll(async () => {
    const port = await freePort(MASTER_IPS[0]);
    masters = MASTER_IPS.map((ip) => new MasterNode(ip, port));
    for (const m of masters) m.start(peers(), MASTER_ARGS);
    agentPort = await freePort(AGENT_IP);
  });

  afterAll(async () => {
    heal();
    fw?.close();
    if (agent?.child.pid !== undefined) {
      try {
        process.kill(agent.child.pid, 'SIGCONT');
      } catch {
        // gone
      }
    }
    agent?.kill('SIGKILL');
    await agent?.exited;
    // The tasks outlive a SIGKILLed agent (own process groups): end the ones this test started.
    for (const pid of pids.values()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await Promise.all(masters.map((m) => m.kill()));
  });

  it('a checkpointing framework launches long tasks through the leader', async () => {
    dumpOnFailure();
    const leader = await servingLeader(masters, 40_000);
    agent = tsmesos(['up', '--role', 'agent', '--ip', AGENT_IP, '--port', String(agentPort), '--data-dir', tempDir('tsmesos-fo-agent-'),
      '--master', peers().join(','), '--resources', 'cpus:2;mem:512;disk:256;ports:[31000-31005]']);
    agentId = await waitFor('the agent registers', async () => (await masterState(leader)).slaves.find((a) => a.active)?.id, 40_000);

    // Subscribe through a follower: its 307 must name the leader.
    const follower = masters.find((m) => m !== leader)!;
    const s = track(new V1Scheduler(follower.url));
    expect((await s.subscribe(FRAMEWORK_INFO, { followRedirects: 1 })).type).toBe('SUBSCRIBED');
    expect(s.redirects).toEqual([`//${leader.id}/api/v1/scheduler`]);
    frameworkId = s.frameworkId;
    fw = s;

    const offer = offersOf(await s.next((e) => e.type === 'OFFERS'));
    expect(offer[0]!.agent_id.value).toBe(agentId);
    const task = (id: string): Record<string, unknown> => ({
      name: id, task_id: { value: id }, agent_id: { value: agentId },
      command: { shell: true, value: 'echo $$ > task.pid && exec sleep 600' },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
    });
    const accepted = await s.call({
      type: 'ACCEPT',
      accept: { offer_ids: [offer[0]!.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('keeper'), task('victim'), task('cut-off'), task('finisher')] } }], filters: { refuse_seconds: 3600 } },
    });
    expect(accepted.status).toBe(202);
    for (const id of ['keeper', 'victim', 'cut-off', 'finisher']) expect(await follow(s, id, 'TASK_RUNNING')).toEqual(['TASK_STARTING', 'TASK_RUNNING']);

    // Each task wrote its pid into its sandbox; the agent's /state names the sandbox.
    const st = await agentState();
    const executors = st.frameworks.find((f) => f.id === frameworkId)!.executors;
    for (const id of ['keeper', 'victim', 'cut-off', 'finisher']) {
      const dir = executors.find((x) => x.id === id)!.directory;
      const pid = await waitFor(`${id}'s pid file`, () => {
        const text = fs.existsSync(path.join(dir, 'task.pid')) ? fs.readFileSync(path.join(dir, 'task.pid'), 'utf8').trim() : '';
        return /^\d+$/.test(text) ? Number(text) : undefined;
      }, 5000);
      expect(alive(pid)).toBe(true);
      pids.set(id, pid);
    }
    // Let the acknowledgements reach the agent before the leader dies.
    await waitFor('acknowledged RUNNING updates', async () => {
      const t = (await masterState(leader)).frameworks.find((f) => f.id === frameworkId)!.tasks;
      return t.length === 4 && t.every((x) => x.state === 'TASK_RUNNING') ? true : undefined;
    }, 5000);
  });

  it('kill -9 of the leader: the framework resubscribes, the agent reregisters, its tasks keep running and can be killed', async () => {
    dumpOnFailure();
    const old = await servingLeader(masters);
    const t0 = Date.now();
    await old.kill('SIGKILL');
    await waitFor('the framework sees its stream close', () => (fw!.closed ? true : undefined), 10_000);
    const fresh = await servingLeader(masters.filter((m) => m !== old));
    console.log(`new leader ${fresh.id} serving ${Date.now() - t0} ms after kill -9 of ${old.id}`);

    // A framework given all three addresses finds the new leader on its own.
    fw!.close();
    const s = track(await resubscribe(fresh));
    fw = s;
    console.log(`framework resubscribed ${Date.now() - t0} ms after the kill (redirects: ${s.redirects.join(', ') || 'none'})`);

    // Every live non-leader redirects schedulers (307) and /master/redirect to the real leader.
    for (const m of masters.filter((x) => x !== old && x !== fresh)) {
      await expectRedirectsToLeader(m, fresh);
    }

    // The agent reregisters under the same id and the new leader learns the tasks from it.
    const state = await waitFor('the agent reregisters with its tasks', async () => {
      const st = await masterState(fresh);
      const f = st.frameworks.find((x) => x.id === frameworkId);
      return st.slaves.some((a) => a.id === agentId && a.active) && f?.tasks.length === 4 ? st : undefined;
    }, 30_000);
    console.log(`agent reregistered ${Date.now() - t0} ms after the kill`);
    expect(state.slaves.map((a) => a.id)).toEqual([agentId]);
    expect(state.recovered_slaves).toEqual([]);
    const f = state.frameworks.find((x) => x.id === frameworkId)!;
    expect(f.active).toBe(true);
    expect(f.tasks.map((t) => [t.id, t.state, t.slave_id]).sort()).toEqual([['cut-off', 'TASK_RUNNING', agentId], ['finisher', 'TASK_RUNNING', agentId], ['keeper', 'TASK_RUNNING', agentId], ['victim', 'TASK_RUNNING', agentId]]);

    for (const id of ['keeper', 'victim', 'cut-off', 'finisher']) expect((await reconcileImplicit(s, id)).state).toBe('TASK_RUNNING');
    for (const pid of pids.values()) expect(alive(pid)).toBe(true);
    expect(killedTasks()).toEqual([]);

    // The task can be killed through the new leader.
    expect((await s.call({ type: 'KILL', kill: { task_id: { value: 'victim' }, agent_id: { value: agentId } } })).status).toBe(202);
    expect((await follow(s, 'victim', 'TASK_KILLED')).at(-1)).toBe('TASK_KILLED');
    await waitFor('the killed task exits', () => (alive(pids.get('victim')!) ? undefined : true), 10_000);
    pids.delete('victim');
    expect(alive(pids.get('keeper')!)).toBe(true);

    await restartAndCatchUp(old, fresh);
  });

  it('while the agent recovers, explicit reconciliation of unknown tasks stays silent; after it reregisters they are TASK_GONE', async () => {
    dumpOnFailure();
    const agentPid = agent!.child.pid!;
    const old = await servingLeader(masters);
    process.kill(agentPid, 'SIGSTOP'); // the agent cannot reregister until SIGCONT
    let fresh: MasterNode;
    try {
      await old.kill('SIGKILL');
      await waitFor('the framework sees its stream close', () => (fw!.closed ? true : undefined), 10_000);
      fresh = await servingLeader(masters.filter((m) => m !== old));
      fw!.close();
      const s = track(await resubscribe(fresh));
      fw = s;

      // The new leader knows the agent from the registry only: recovering, no tasks yet, nothing killed.
      const st = await masterState(fresh);
      expect(st.recovered_slaves.map((a) => a.id)).toEqual([agentId]);
      expect(st.slaves).toEqual([]);
      expect(st.frameworks.find((x) => x.id === frameworkId)?.tasks ?? []).toEqual([]);

      const reconcile = async (tasks: { task_id: { value: string }; agent_id?: { value: string } }[]): Promise<void> => {
        expect((await s.call({ type: 'RECONCILE', reconcile: { tasks } })).status).toBe(202);
      };
      await reconcile([{ task_id: { value: 'ghost-1' }, agent_id: { value: agentId } }]);
      await reconcile([{ task_id: { value: 'ghost-2' } }]);
      await reconcile([{ task_id: { value: 'keeper' }, agent_id: { value: agentId } }]);
      // Implicit reconciliation answers only for tasks the master holds: none yet.
      await reconcile([]);
      await new Promise((r) => setTimeout(r, 3000));
      const early = s.events.filter((e) => e.type === 'UPDATE').map((e) => `${updateOf(e).task_id.value}:${updateOf(e).state}`);
      expect(early, 'no reply while a registered agent has not reregistered (Mesos pitfall 5)').toEqual([]);
      expect(alive(pids.get('keeper')!)).toBe(true);
      // A task that ends while its agent is away from every master: the agent's own
      // TASK_FAILED must reach the framework once the agent reregisters (reliable updates).
      process.kill(pids.get('finisher')!, 'SIGTERM');
      await waitFor('the finisher exits', () => (alive(pids.get('finisher')!) ? undefined : true), 10_000);
      pids.delete('finisher');
    } finally {
      process.kill(agentPid, 'SIGCONT');
    }
    const s = fw;
    await waitFor('the agent reregisters after SIGCONT', async () => {
      const st = await masterState(fresh);
      const f = st.frameworks.find((x) => x.id === frameworkId);
      return st.slaves.some((a) => a.id === agentId && a.active) && ['keeper', 'cut-off'].every((id) => f?.tasks.some((t) => t.id === id && t.state === 'TASK_RUNNING')) ? true : undefined;
    }, 30_000);
    expect((await masterState(fresh)).recovered_slaves).toEqual([]);

    expect((await s.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'ghost-3' }, agent_id: { value: agentId } }] } })).status).toBe(202);
    const ended = updateOf(await s.next(isUpdateFor('finisher'), 20_000));
    expect([ended.state, ended.source, ended.reason]).toEqual(['TASK_FAILED', 'SOURCE_EXECUTOR', 'REASON_COMMAND_EXECUTOR_FAILED']);
    expect(ended.uuid).toBeDefined();
    expect((await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: ended.agent_id, task_id: ended.task_id, uuid: ended.uuid } })).status).toBe(202);
    await waitFor('the acknowledged terminal task completes on the master', async () =>
      ((await masterState(fresh)).frameworks.find((x) => x.id === frameworkId)!.tasks.some((t) => t.id === 'finisher') ? undefined : true), 10_000);
    const gone = updateOf(await s.next(isUpdateFor('ghost-3'), 10_000));
    expect(gone.state).toBe('TASK_GONE');
    expect(gone.reason).toBe('REASON_RECONCILIATION');
    for (const id of ['keeper', 'cut-off']) expect((await reconcileImplicit(s, id)).state).toBe('TASK_RUNNING');
    // The requests made while recovering were dropped, not deferred.
    expect(s.events.filter(isUpdateFor('ghost-1'))).toEqual([]);
    expect(alive(pids.get('keeper')!)).toBe(true);
    expect(killedTasks()).toEqual([]);

    await restartAndCatchUp(old, fresh);
  });

  it('an agent cut off from the leader reconnects under the same id when healed; its task keeps running', async () => {
    requireIptables();
    dumpOnFailure();
    const leader = await servingLeader(masters);
    const s = fw!;
    const before = (await masterState(leader)).slaves.find((a) => a.id === agentId)!;
    expect(before.active).toBe(true);
    expect((await agentState()).master_hostname).toBe(leader.ip);
    const t0 = Date.now();
    partition(AGENT_IP, [leader.ip]);
    try {
      // The agent's watchdog notices the silent stream (no heartbeats for 20 s).
      await waitFor('the agent notices the partition', async () => ((await agentState()).master_hostname === '' ? true : undefined), 40_000, 250);
      console.log(`agent noticed the partition after ${Date.now() - t0} ms`);
      expect(alive(pids.get('keeper')!)).toBe(true);
      // A kill the leader sends while the agent is cut off (the leader still believes it
      // connected) cannot arrive; Mesos sends it again when the agent reregisters.
      expect((await s.call({ type: 'KILL', kill: { task_id: { value: 'cut-off' }, agent_id: { value: agentId } } })).status).toBe(202);
    } finally {
      heal();
    }
    const t1 = Date.now();
    await waitFor('the agent reregisters after healing', async () => {
      const a = (await masterState(leader)).slaves.find((x) => x.id === agentId);
      return a?.active && (a.reregistered_time ?? 0) > (before.reregistered_time ?? 0) && (await agentState()).master_hostname === leader.ip ? true : undefined;
    }, 40_000, 250);
    console.log(`agent reregistered ${Date.now() - t1} ms after healing`);
    expect((await follow(s, 'cut-off', 'TASK_KILLED')).at(-1)).toBe('TASK_KILLED');
    await waitFor('the task killed across the partition exits', () => (alive(pids.get('cut-off')!) ? undefined : true), 10_000);
    pids.delete('cut-off');
    const st = await masterState(leader);
    expect(st.slaves.map((a) => a.id)).toEqual([agentId]);
    expect(st.frameworks.find((x) => x.id === frameworkId)!.tasks.map((t) => [t.id, t.state])).toEqual([['keeper', 'TASK_RUNNING']]);
    expect((await agentState()).id).toBe(agentId);
    expect((await reconcileImplicit(s, 'keeper')).state).toBe('TASK_RUNNING');
    expect(alive(pids.get('keeper')!)).toBe(true);
    expect(killedTasks()).toEqual([]);
  });

  it('the surviving task is killed through the current leader, and the framework tears down', async () => {
    dumpOnFailure();
    const s = fw!;
    expect((await s.call({ type: 'KILL', kill: { task_id: { value: 'keeper' } } })).status).toBe(202);
    await follow(s, 'keeper', 'TASK_KILLED');
    await waitFor('the killed task exits', () => (alive(pids.get('keeper')!) ? undefined : true), 10_000);
    pids.delete('keeper');
    expect((await s.call({ type: 'TEARDOWN' })).status).toBe(202);
  });
});
