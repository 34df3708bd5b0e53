// One real agent (its own process, posix containerizer, next to a real master), measured from a framework:
//   - idle RSS of the agent process (target < 80 MB);
//   - posix launch throughput: short tasks (`true`) launched on every offer for BENCH_SECONDS (default 60),
//     at most BENCH_INFLIGHT (default 64) unfinished at once: tasks RUNNING and FINISHED per second (target >= 100/s);
//   - ACCEPT -> TASK_RUNNING (p50, p99) and status-update latency: from the agent stamping an update
//     (TaskStatus.timestamp) to the framework receiving it (same machine, same clock);
//   - docker (unless BENCH_DOCKER=0 or no engine): 20 tsmesos/busybox:test tasks until all RUNNING, next to
//     20 parallel `docker run -d` of the same image in the same run, and the ratio (target overhead <= 20%).
//   npm run build && npm run bench:agent        (TSMESOS_TEST_FROM_SOURCE=1: from source)
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, getJson, tsmesos, type Proc } from '../test/helpers/process.js';
import { offersOf, V1Scheduler, type Event, type Offer } from '../test/helpers/v1-client.js';
import { killPosixContainers } from '../test/helpers/container-cleanup.js';
import { posixContainersDir } from '../src/agent/paths.js';

const run = promisify(execFile);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 60);
const INFLIGHT = Number(process.env['BENCH_INFLIGHT'] ?? 64);
const DOCKER_TASKS = 20;
const IMAGE = 'tsmesos/busybox:test';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsmesos-bench-agent-'));
const workDir = path.join(dir, 'a', 'agent');
const masterPort = await freePort();
const agentPort = await freePort();
const masterUrl = `http://127.0.0.1:${masterPort}`;
const procs: Proc[] = [];
const out = (line: string): boolean => process.stdout.write(`${line}\n`);

const dockerUsable = async (): Promise<boolean> => {
  if (process.env['BENCH_DOCKER'] === '0') return false;
  try {
    await run('docker', ['image', 'inspect', IMAGE]);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, f: () => Promise<boolean> | boolean, limitMs: number): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!(await f())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const rssMb = (pid: number): number => {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};
/** utime + stime of a process, in seconds (its own, not its children's: the tasks are not counted). */
const cpuSecs = (pid: number): number => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const quantile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};

interface Status { state: string; uuid?: string; agent_id: unknown; task_id: { value: string }; timestamp?: number }
const statusOf = (e: Event): Status => (e['update'] as { status: Status }).status;
const small = [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.01 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 4 } }];

const withDocker = await dockerUsable();
try {
  const master = tsmesos(['up', '--role', 'master', '--data-dir', path.join(dir, 'm'), '--port', String(masterPort), '--agent-tls', 'optional', '--marathon-port', '0']);
  procs.push(master);
  await until('the master serving', async () => (await getJson(`${masterUrl}/master/state`).catch(() => undefined))?.status === 200, 60_000);
  const agent = tsmesos(['up', '--role', 'agent', '--data-dir', path.join(dir, 'a'), '--port', String(agentPort), '--master', `127.0.0.1:${masterPort}`,
    '--containerizers', withDocker ? 'posix,docker' : 'posix', '--resources', 'cpus:16;mem:16384;disk:1024']);
  procs.push(agent);
  await until('the agent registered', async () => ((await getJson(`${masterUrl}/master/state`)).body as { slaves: { active: boolean }[] }).slaves.some((s) => s.active), 60_000);
  await new Promise((r) => setTimeout(r, 3000));
  const idleRss = rssMb(agent.child.pid!);
  const mode = process.env['TSMESOS_TEST_FROM_SOURCE'] === '1' ? 'from source (tsx)' : 'built binary';
  out(`agent idle RSS: ${idleRss.toFixed(1)} MB (${mode}; target < 80 MB)`);

  // Posix launch throughput.
  const fw = new V1Scheduler(masterUrl, { timeoutMs: 60_000, checkWire: false });
  await fw.subscribe({ user: 'root', name: 'bench-agent' });
  const acceptedAt = new Map<string, number>();
  const toRunning: number[] = [];
  const updateLatency: number[] = [];
  let running = 0;
  let finished = 0;
  let failed = 0;
  const others: Record<string, number> = {};
  let next = 0;
  const cpu0 = cpuSecs(agent.child.pid!);
  const masterCpu0 = cpuSecs(master.child.pid!);
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  const inflight = (): number => acceptedAt.size;
  while (performance.now() < end) {
    for (const e of fw.takeAll((x) => x.type === 'UPDATE')) {
      const st = statusOf(e);
      if (st.timestamp !== undefined) updateLatency.push(Date.now() - st.timestamp * 1000);
      if (st.uuid !== undefined) void fw.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: st.agent_id, task_id: st.task_id, uuid: st.uuid } });
      const id = st.task_id.value;
      if (st.state === 'TASK_RUNNING') {
        running++;
        const at = acceptedAt.get(id);
        if (at !== undefined) toRunning.push(performance.now() - at);
      } else if (st.state === 'TASK_FINISHED') {
        finished++;
        acceptedAt.delete(id);
      } else if (st.state !== 'TASK_STARTING') {
        failed++;
        others[st.state] = (others[st.state] ?? 0) + 1;
        acceptedAt.delete(id);
      }
    }
    const offers = fw.takeAll((x) => x.type === 'OFFERS').flatMap((e) => offersOf<Offer>(e));
    for (const offer of offers) {
      const n = Math.max(0, Math.min(INFLIGHT - inflight(), 32));
      const tasks = Array.from({ length: n }, () => {
        const id = `t${next++}`;
        return { name: id, task_id: { value: id }, agent_id: offer.agent_id, command: { shell: true, value: 'true' }, resources: small };
      });
      const now = performance.now();
      for (const t of tasks) acceptedAt.set(t.task_id.value, now);
      void fw.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: tasks.length > 0 ? [{ type: 'LAUNCH', launch: { task_infos: tasks } }] : [], filters: { refuse_seconds: 0 } } });
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const elapsed = (performance.now() - t0) / 1000;
  const agentCpu = cpuSecs(agent.child.pid!) - cpu0;
  const masterCpu = cpuSecs(master.child.pid!) - masterCpu0;
  out(`posix launches on one agent over ${elapsed.toFixed(1)} s (at most ${INFLIGHT} unfinished): ${(running / elapsed).toFixed(1)} tasks/s RUNNING, ` +
    `${(finished / elapsed).toFixed(1)} /s FINISHED (${running} running, ${finished} finished, ${failed} other${failed > 0 ? ` ${JSON.stringify(others)}` : ''}; target >= 100/s)`);
  out(`CPU during the run: agent ${(agentCpu / elapsed * 100).toFixed(0)}% of a core, master ${(masterCpu / elapsed * 100).toFixed(0)}% (load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`);
  out(`ACCEPT -> TASK_RUNNING: p50 ${quantile(toRunning, 0.5).toFixed(1)} ms, p99 ${quantile(toRunning, 0.99).toFixed(1)} ms over ${toRunning.length} tasks`);
  out(`status update, agent stamp -> framework (includes waiting behind the task's previous update until it is acknowledged: one in flight per task, as Mesos): p50 ${quantile(updateLatency, 0.5).toFixed(1)} ms, p99 ${quantile(updateLatency, 0.99).toFixed(1)} ms over ${updateLatency.length} updates`);
  out(`agent RSS after the run: ${rssMb(agent.child.pid!).toFixed(1)} MB`);
  await fw.call({ type: 'TEARDOWN' });
  fw.close();

  if (withDocker) {
    const dfw = new V1Scheduler(masterUrl, { timeoutMs: 120_000, checkWire: false });
    await dfw.subscribe({ user: 'root', name: 'bench-agent-docker' });
    const offer = offersOf<Offer>(await dfw.next((e) => e.type === 'OFFERS'))[0]!;
    const tasks = Array.from({ length: DOCKER_TASKS }, (_, i) => ({
      name: `d${i}`, task_id: { value: `d${i}` }, agent_id: offer.agent_id, command: { shell: true, value: 'sleep 300' },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
      container: { type: 'DOCKER', docker: { image: IMAGE, network: 'NONE' } },
    }));
    const d0 = performance.now();
    await dfw.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }] } });
    const runningIds = new Set<string>();
    await until(`${DOCKER_TASKS} docker tasks running`, () => {
      for (const e of dfw.takeAll((x) => x.type === 'UPDATE')) {
        const st = statusOf(e);
        if (st.uuid !== undefined) void dfw.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: st.agent_id, task_id: st.task_id, uuid: st.uuid } });
        if (st.state === 'TASK_RUNNING') runningIds.add(st.task_id.value);
        else if (st.state !== 'TASK_STARTING') throw new Error(`docker task ${st.task_id.value} went ${st.state}`);
      }
      return runningIds.size === DOCKER_TASKS;
    }, 300_000);
    const viaAgent = performance.now() - d0;
    await dfw.call({ type: 'TEARDOWN' });
    dfw.close();
    const name = `tsmesos-bench-${process.pid}`;
    const p0 = performance.now();
    await Promise.all(Array.from({ length: DOCKER_TASKS }, (_, i) => run('docker', ['run', '-d', '--network', 'none', '--name', `${name}-${i}`, IMAGE, 'sleep', '300'])));
    const plain = performance.now() - p0;
    await run('docker', ['rm', '-f', ...Array.from({ length: DOCKER_TASKS }, (_, i) => `${name}-${i}`)]).catch(() => undefined);
    out(`docker: ${DOCKER_TASKS} tasks ACCEPT -> all RUNNING ${(viaAgent / 1000).toFixed(2)} s; ${DOCKER_TASKS} parallel \`docker run -d\` ${(plain / 1000).toFixed(2)} s; ` +
      `ratio ${(viaAgent / plain).toFixed(2)} (target <= 1.20)`);
  } else {
    out('docker: skipped (BENCH_DOCKER=0, or no engine with tsmesos/busybox:test: bash scripts/docker-test-image.sh)');
  }
} finally {
  for (const p of procs.reverse()) {
    p.kill('SIGTERM');
    await Promise.race([p.exited, new Promise((r) => setTimeout(r, 10_000))]);
    p.kill('SIGKILL');
  }
  killPosixContainers(posixContainersDir(workDir));
  fs.rmSync(dir, { recursive: true, force: true });
}
