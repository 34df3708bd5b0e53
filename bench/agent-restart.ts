// Agent restart with N running posix tasks (default 100, `exec sleep 3600`, checkpointing
// framework): kill -9 the agent, start it again on the same work dir, and time
//   - its own recovery (the agent's "recovery done" log line: containers adopted, tasks taken back),
//   - from process start until the master lists it active again with all N tasks RUNNING.
// Next to it, the same agent's cold start (no tasks) until registered: the process start-up both share.
//   npm run build && npm run bench:agent-restart     (BENCH_TASKS=100; target < 2 s; TSMESOS_TEST_FROM_SOURCE=1: from source)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, getJson, tsmesos, type Proc } from '../test/helpers/process.js';
import { offersOf, V1Scheduler, type Offer } from '../test/helpers/v1-client.js';
import { killPosixContainers } from '../test/helpers/container-cleanup.js';
import { posixContainersDir } from '../src/agent/paths.js';

const N = Number(process.env['BENCH_TASKS'] ?? 100);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsmesos-bench-agent-restart-'));
const workDir = path.join(dir, 'a', 'agent');
const masterPort = await freePort();
const agentPort = await freePort();
const masterUrl = `http://127.0.0.1:${masterPort}`;
const procs: Proc[] = [];

const startAgent = (): Proc => {
  const p = tsmesos(['up', '--role', 'agent', '--data-dir', path.join(dir, 'a'), '--port', String(agentPort), '--master', `127.0.0.1:${masterPort}`,
    '--containerizers', 'posix', '--resources', `cpus:${Math.max(2, N * 0.01 + 1)};mem:${Math.max(2048, N * 4 + 1024)};disk:1024`]);
  procs.push(p);
  return p;
};

async function until(what: string, f: () => Promise<boolean>, limitMs: number): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!(await f())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface MasterState {
  slaves: { active: boolean }[];
  frameworks: { tasks: { state: string }[] }[];
}
const state = async (): Promise<MasterState> => (await getJson(`${masterUrl}/master/state`)).body as MasterState;
const activeWith = async (tasks: number): Promise<boolean> => {
  const s = await state().catch(() => undefined);
  if (!s || s.slaves.length !== 1 || !s.slaves[0]!.active) return false;
  return s.frameworks.flatMap((f) => f.tasks).filter((t) => t.state === 'TASK_RUNNING').length === tasks;
};
const recoveryMs = (p: Proc): number | undefined => {
  const m = /recovery done \{"containers":(\d+),"ms":(\d+)\}/.exec(p.output());
  return m ? Number(m[2]) : undefined;
};

try {
  // The agent connects over plain HTTP (--agent-tls optional): the figure is the agent's recovery, not a join.
  const master = tsmesos(['up', '--role', 'master', '--data-dir', path.join(dir, 'm'), '--port', String(masterPort), '--agent-tls', 'optional']);
  procs.push(master);
  await until('the master serving', async () => (await state().catch(() => undefined)) !== undefined, 60_000);
  const cold0 = performance.now();
  let agent = startAgent();
  await until('the agent registered', () => activeWith(0), 60_000);
  const cold = performance.now() - cold0;

  const fw = new V1Scheduler(masterUrl, { timeoutMs: 60_000 });
  await fw.subscribe({ user: 'root', name: 'bench', checkpoint: true, failover_timeout: 600 });
  const offer = offersOf<Offer>(await fw.next((e) => e.type === 'OFFERS'))[0]!;
  const tasks = Array.from({ length: N }, (_, i) => ({
    name: `t${i}`, task_id: { value: `t${i}` }, agent_id: offer.agent_id, command: { shell: true, value: 'exec sleep 3600' },
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.01 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 4 } }],
  }));
  const accepted = await fw.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }] } });
  if (accepted.status !== 202) throw new Error(`ACCEPT answered ${accepted.status}: ${accepted.text}`);
  // Acknowledge everything, so the restart is about recovery, not a backlog of updates.
  const acking = setInterval(() => {
    for (const e of fw.takeAll((x) => x.type === 'UPDATE')) {
      const st = (e['update'] as { status: { uuid?: string; agent_id: unknown; task_id: unknown } }).status;
      if (st.uuid !== undefined) void fw.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: st.agent_id, task_id: st.task_id, uuid: st.uuid } });
    }
  }, 20);
  await until(`${N} tasks running`, () => activeWith(N), 120_000);

  agent.kill('SIGKILL');
  await agent.exited;
  await until('the master to see the agent gone', async () => !(await state()).slaves[0]!.active, 60_000);
  const restart0 = performance.now();
  agent = startAgent();
  await until(`the agent back with ${N} tasks running`, () => activeWith(N), 60_000);
  const restart = performance.now() - restart0;
  clearInterval(acking);
  const recovery = recoveryMs(agent);
  const adopted = /recovery done \{"containers":(\d+)/.exec(agent.output())?.[1];

  process.stdout.write(
    `agent restart with ${N} running posix tasks (${process.env['TSMESOS_TEST_FROM_SOURCE'] === '1' ? 'from source' : 'built binary'}): ` +
      `process start -> reregistered with all ${N} RUNNING ${(restart / 1000).toFixed(2)} s (target < 2 s); ` +
      `recovery inside the agent ${recovery ?? '?'} ms (${adopted ?? '?'} containers adopted); cold start of the same agent without tasks -> registered ${(cold / 1000).toFixed(2)} s\n`,
  );
  fw.close();
} finally {
  for (const p of procs.reverse()) {
    p.kill('SIGTERM');
    await Promise.race([p.exited, new Promise((r) => setTimeout(r, 10_000))]);
    p.kill('SIGKILL');
  }
  killPosixContainers(posixContainersDir(workDir));
  fs.rmSync(dir, { recursive: true, force: true });
}
