// An agent that stops answering, for real: one master (in process, short ping flags: 2 x 2 s)
// and two agent processes on their own loopback addresses; the agent running the app's
// instance is frozen with SIGSTOP. The master marks it unreachable, the services scheduler
// hears TASK_UNREACHABLE, replaces the instance on the other agent after the app's
// unreachableStrategy.inactiveAfterSeconds and forgets the old one after expungeAfterSeconds.
// Thawed (SIGCONT), the agent reregisters with the old task still running: it is killed, and
// the replacement is neither killed nor duplicated. Every process is thawed and stopped at the end.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveUpConfig } from '../../src/cli/up-config.js';
import { startMaster } from '../../src/roles/master.js';
import { silentLogger } from '../../src/lib/log.js';
import { freePort, stopAtEnd, tempDir, tsmesos, waitFor, type Proc } from '../helpers/process.js';

// 127.0.9.x: other cluster tests use 127.0.1.x, .3.x, .4.x, .6.x and .12.x.
const MASTER_IP = '127.0.9.1';
const AGENTS = [{ ip: '127.0.9.2', hostname: 'node-a' }, { ip: '127.0.9.3', hostname: 'node-b' }];
let master = '';
const procs = new Map<string, Proc>();

/** Thaws, then stops an agent process (SIGKILL if it does not exit in time). */
async function stopAgent(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.kill('SIGCONT');
  p.kill('SIGTERM');
  const exited = await Promise.race([p.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 10_000))]);
  if (!exited) {
    p.kill('SIGKILL');
    await p.exited;
  }
}

beforeAll(async () => {
  const root = tempDir('tsmesos-unreachable-');
  const port = String(await freePort());
  const m = await startMaster(resolveUpConfig({
    role: 'master', ip: MASTER_IP, port, dataDir: path.join(root, 'master'), marathonPort: '0', agentTls: 'optional',
    agentPingTimeout: '2secs', maxAgentPingTimeouts: '2',
  }, {}), silentLogger);
  stopAtEnd(() => m.stop());
  master = `http://${MASTER_IP}:${port}`;
  for (const a of AGENTS) {
    const p = tsmesos([
      'up', '--role', 'agent', '--ip', a.ip, '--port', String(await freePort()), '--hostname', a.hostname, '--master', `${MASTER_IP}:${port}`,
      '--data-dir', path.join(root, a.hostname), '--resources', 'cpus:2;mem:1024;disk:1024;ports:[31500-31510]', '--containerizers', 'posix',
    ]);
    procs.set(a.hostname, p);
    stopAtEnd(() => stopAgent(p));
  }
  await waitFor('two active agents', async () => {
    const s = (await (await fetch(`${master}/master/state`)).json()) as { slaves?: { active: boolean }[] };
    return s.slaves?.filter((x) => x.active).length === 2 ? true : undefined;
  }, 60_000, 200).catch((e: unknown) => {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${[...procs.values()].map((p) => p.output()).join('\n---\n')}`);
  });
  await waitFor('the services API', async () => ((await fetch(`${master}/v2/apps`)).status === 200 ? true : undefined), 30_000);
}, 90_000);
afterAll(async () => {
  // Thawed, and every task gone before the agents stop.
  for (const p of procs.values()) p.kill('SIGCONT');
  await fetch(`${master}/v2/apps/u/web?force=true`, { method: 'DELETE' }).catch(() => undefined);
  await waitFor('no tasks', async () => (((await (await fetch(`${master}/v2/tasks`)).json()) as { tasks: unknown[] }).tasks.length === 0 ? true : undefined), 30_000, 200)
    .catch(() => undefined);
  for (const p of procs.values()) await stopAgent(p);
}, 60_000);

interface TaskJson { id: string; host: string; state: string }
const tasksOf = async (): Promise<TaskJson[]> => ((await (await fetch(`${master}/v2/apps/u/web/tasks`)).json()) as { tasks: TaskJson[] }).tasks;
interface MasterState { slaves: { hostname: string; active: boolean }[]; unreachable_slaves: number; frameworks: { name: string; tasks: { id: string; state: string }[] }[] }
const masterState = async (): Promise<MasterState> => (await (await fetch(`${master}/master/state`)).json()) as MasterState;

describe('an agent frozen with SIGSTOP', () => {
  it('is marked unreachable; its instance is replaced per unreachableStrategy; thawed, the old task is killed and the new one kept', async () => {
    const res = await fetch(`${master}/v2/apps/u/web`, {
      method: 'PUT', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ cmd: 'exec sleep 300', cpus: 0.05, mem: 8, instances: 1, unreachableStrategy: { inactiveAfterSeconds: 1, expungeAfterSeconds: 4 } }),
    });
    expect(res.status).toBe(201);
    const [first] = await waitFor('one running instance', async () => {
      const t = await tasksOf();
      return t.length === 1 && t[0]!.state === 'TASK_RUNNING' ? t : undefined;
    }, 30_000, 200);
    const frozen = procs.get(first!.host)!;
    const other = AGENTS.find((a) => a.hostname !== first!.host)!.hostname;
    frozen.kill('SIGSTOP');

    // Silent past 2 x 2 s: unreachable, left out of the agents, its task TASK_UNREACHABLE (Marathon shows it so).
    await waitFor('the frozen agent unreachable', async () => {
      const s = await masterState();
      return s.unreachable_slaves === 1 && !s.slaves.some((a) => a.hostname === first!.host) ? true : undefined;
    }, 30_000, 200);
    // A replacement on the other agent; the old instance is forgotten after expungeAfterSeconds.
    const replacement = await waitFor('the instance replaced on the other agent, the old one expunged', async () => {
      const t = await tasksOf();
      return t.length === 1 && t[0]!.host === other && t[0]!.state === 'TASK_RUNNING' ? t[0]! : undefined;
    }, 30_000, 200);
    expect(replacement.id).not.toBe(first!.id);

    // Thawed: it reregisters with the old task running; the scheduler, which has no record of it any more, has it killed.
    frozen.kill('SIGCONT');
    await waitFor('the agent back and active', async () => ((await masterState()).slaves.some((a) => a.hostname === first!.host && a.active) ? true : undefined), 30_000, 200);
    await waitFor('the old task ended', async () => {
      const fw = (await masterState()).frameworks.find((f) => f.name === 'tsmesos-services');
      return fw && !fw.tasks.some((t) => t.id === first!.id) ? true : undefined;
    }, 30_000, 200);
    expect((await masterState()).unreachable_slaves).toBe(0);
    // The replacement was neither killed nor duplicated.
    const after = await tasksOf();
    expect(after.map((t) => [t.id, t.host, t.state])).toEqual([[replacement.id, other, 'TASK_RUNNING']]);
  });
});
