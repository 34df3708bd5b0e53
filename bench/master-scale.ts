// Master at scale (issue "Master", benchmarks), against the built binary as a real master
// process, with simulated agents over the real agent channel (bench/sim-agents.ts):
//   placement throughput: frameworks launch short tasks as fast as offers come; tasks placed and
//     reported RUNNING per second (target >= 1,000/s on 2 cores);
//   scale: N agents and T long-running tasks, then the master's RSS and the time of
//     GET /master/state and of the operator GET_STATE (targets < 1 GB and < 1 s at 10,000 x 100,000).
//   npm run build && npm run bench:scale
//   BENCH_ONLY=scale BENCH_MASTER_NODE_FLAGS=--heapsnapshot-signal=SIGUSR2 BENCH_HOLD_SECONDS=60 npm run bench:scale
//   BENCH_AGENTS=1000 BENCH_FRAMEWORKS=4 BENCH_SECONDS=20 BENCH_SCALE_AGENTS=10000 BENCH_SCALE_TASKS=100000 npm run bench:scale
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, freePort, run, tsmesos, waitFor, type Proc } from '../test/helpers/process.js';
import { V1Scheduler, offersOf, updateOf, type Event, type Offer } from '../test/helpers/v1-client.js';
import { SimAgents } from './sim-agents.js';

const env = (k: string, d: number): number => Number(process.env[k] ?? d);

async function startMasterProcess(): Promise<{ proc: Proc; url: string; port: number; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsmesos-bench-scale-'));
  const port = await freePort();
  // The simulated agents speak plain HTTP: let them in (--agent-tls optional).
  const args = ['up', '--role', 'master', '--data-dir', dir, '--port', String(port), '--log-level', 'warn', '--agent-tls', 'optional'];
  // BENCH_PROFILE_DIR: run the master from source with --cpu-prof, to see where its time goes;
  // BENCH_MASTER_NODE_FLAGS: from source with these Node flags (e.g. --heapsnapshot-signal=SIGUSR2).
  const profileDir = process.env['BENCH_PROFILE_DIR'];
  const nodeFlags = [
    ...(profileDir !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    ...(process.env['BENCH_MASTER_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== ''),
  ];
  const proc = nodeFlags.length > 0
    ? run([...nodeFlags, '--import', 'tsx', path.join(REPO, 'src', 'main.ts'), ...args], { cmd: process.execPath })
    : tsmesos(args);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor('the master', async () => ((await fetch(`${url}/master/state`).catch(() => null))?.status === 200 ? true : undefined), 30_000);
  } catch (e) {
    await stopMaster(proc);
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { proc, url, port, dir };
}

/** SIGTERM (a clean stop; a --cpu-prof profile gets written), SIGKILL if it takes more than 10 s. */
async function stopMaster(proc: Proc): Promise<void> {
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await proc.exited;
  clearTimeout(t);
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface OfferedResource { name: string; scalar?: { value: number } }
const scalar = (o: { resources?: OfferedResource[] }, name: string): number => (o.resources ?? []).filter((r) => r.name === name).reduce((s, r) => s + (r.scalar?.value ?? 0), 0);

/**
 * A framework that fills offers with tasks of 0.1 cpus / 32 MB until `limit` tasks are launched,
 * with at most `window` of them not yet finished (a real scheduler bounds its work in flight too):
 * offers it cannot use yet are held, not declined, and used as tasks finish. It acknowledges
 * every update.
 */
async function runFramework(url: string, name: string, until: () => boolean, limit: number, window = Number.MAX_SAFE_INTEGER): Promise<{ launched: number; close(): void }> {
  const s = new V1Scheduler(url, { timeoutMs: 60_000, checkWire: false });
  await s.subscribe({ user: 'root', name });
  let launched = 0;
  let finished = 0;
  let unexpected = 0;
  let n = 0;
  const held: Offer[] = [];
  const useHeld = (): void => {
    while (held.length > 0 && launched < limit && launched - finished < window) {
      const offer = held.shift()!;
      const count = Math.max(0, Math.min(Math.floor(scalar(offer, 'cpus') / 0.1 + 1e-9), Math.floor(scalar(offer, 'mem') / 32), limit - launched, window - (launched - finished)));
      const tasks = Array.from({ length: count }, () => {
        const id = `${name}-${n++}`;
        return { name: id, task_id: { value: id }, agent_id: offer.agent_id, command: { value: 'true' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }] };
      });
      launched += count;
      void s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], filters: { refuse_seconds: 0 }, operations: count > 0 ? [{ type: 'LAUNCH', launch: { task_infos: tasks } }] : [] } }).catch(() => undefined);
    }
  };
  void (async () => {
    while (!until() && !s.closed) {
      let e: Event;
      try {
        e = await s.next(() => true, 500);
      } catch {
        continue;
      }
      if (e.type === 'OFFERS') {
        held.push(...offersOf(e));
      } else if (e.type === 'RESCIND') {
        const id = (e['rescind'] as { offer_id: { value: string } }).offer_id.value;
        const i = held.findIndex((o) => o.id.value === id);
        if (i >= 0) held.splice(i, 1);
      } else if (e.type === 'UPDATE') {
        const u = updateOf(e);
        if (u.state === 'TASK_FINISHED') finished++;
        else if (u.state !== 'TASK_RUNNING' && unexpected++ < 3) {
          process.stdout.write(`${name}: ${u.task_id.value} ${u.state} ${u.reason ?? ''} ${u.message ?? ''}\n`);
        }
        if (u.uuid) void s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } }).catch(() => undefined);
      }
      useHeld();
    }
  })();
  return { get launched() { return launched; }, close: () => s.close() };
}

async function placement(): Promise<void> {
  const agents = env('BENCH_AGENTS', 1000);
  const frameworks = env('BENCH_FRAMEWORKS', 4);
  const seconds = env('BENCH_SECONDS', 20);
  const m = await startMasterProcess();
  const sim = new SimAgents({ master: { host: '127.0.0.1', port: m.port }, count: agents, resources: 'cpus:8;mem:16384;ports:[31000-31100]', finishAfterRunning: true });
  try {
    const t0 = performance.now();
    await sim.start();
    process.stdout.write(`placement: ${agents} simulated agents subscribed in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const end = Date.now() + seconds * 1000;
    const window = env('BENCH_WINDOW', 500);
    const fws = await Promise.all(Array.from({ length: frameworks }, (_, i) => runFramework(m.url, `place-${i}`, () => Date.now() > end, Number.MAX_SAFE_INTEGER, window)));
    const start = sim.running;
    const started = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const elapsed = (performance.now() - started) / 1000;
    const placed = sim.running - start;
    process.stdout.write(`placement: ${placed} tasks placed and RUNNING in ${elapsed.toFixed(1)} s = ${(placed / elapsed).toFixed(0)}/s (${frameworks} frameworks, ${agents} agents; target >= 1,000/s); master RSS ${rssMiB(m.proc.child.pid!).toFixed(0)} MiB\n`);
    for (const f of fws) f.close();
  } finally {
    sim.stop();
    await stopMaster(m.proc);
    fs.rmSync(m.dir, { recursive: true, force: true });
  }
}

async function scale(): Promise<void> {
  const agents = env('BENCH_SCALE_AGENTS', 2000);
  const tasks = env('BENCH_SCALE_TASKS', 20_000);
  const m = await startMasterProcess();
  const sim = new SimAgents({ master: { host: '127.0.0.1', port: m.port }, count: agents, resources: 'cpus:16;mem:65536;ports:[31000-31100]', finishAfterRunning: false });
  let fw: Awaited<ReturnType<typeof runFramework>> | undefined;
  try {
    await sim.start();
    let done = false;
    fw = await runFramework(m.url, 'scale', () => done, tasks);
    await waitFor(`${tasks} tasks running`, () => (sim.running >= tasks ? true : undefined), 600_000, 200);
    done = true;
    // The median of BENCH_STATE_REPEAT (default 3) requests each.
    const time = async (f: () => Promise<Response>): Promise<{ ms: number; mb: number }> => {
      const runs: { ms: number; mb: number }[] = [];
      for (let i = 0; i < env('BENCH_STATE_REPEAT', 3); i++) {
        const t0 = performance.now();
        const r = await f();
        const body = await r.arrayBuffer();
        runs.push({ ms: performance.now() - t0, mb: body.byteLength / 1e6 });
      }
      return runs.sort((x, y) => x.ms - y.ms)[Math.floor(runs.length / 2)]!;
    };
    const state = await time(() => fetch(`${m.url}/master/state`));
    const getState = await time(() => fetch(`${m.url}/api/v1`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"type":"GET_STATE"}' }));
    const hold = env('BENCH_HOLD_SECONDS', 0);
    if (hold > 0) {
      process.stdout.write(`scale: holding ${hold} s (master pid ${m.proc.child.pid})\n`);
      await new Promise((r) => setTimeout(r, hold * 1000));
    }
    const metrics = await (await fetch(`${m.url}/metrics`)).text();
    const mib = (name: string): string => {
      const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
      return line === undefined ? '?' : (Number(line.split(' ')[1]) / 2 ** 20).toFixed(0);
    };
    process.stdout.write(`scale: master memory: JS heap used ${mib('nodejs_heap_size_used_bytes')} of ${mib('nodejs_heap_size_total_bytes')} MiB, external ${mib('nodejs_external_memory_bytes')} MiB\n`);
    process.stdout.write(`scale: ${agents} agents, ${tasks} running tasks: master RSS ${rssMiB(m.proc.child.pid!).toFixed(0)} MiB (target < 1 GB); /master/state ${state.ms.toFixed(0)} ms (${state.mb.toFixed(1)} MB), GET_STATE ${getState.ms.toFixed(0)} ms (${getState.mb.toFixed(1)} MB) (target < 1 s)\n`);
  } finally {
    fw?.close();
    sim.stop();
    await stopMaster(m.proc);
    fs.rmSync(m.dir, { recursive: true, force: true });
  }
}

// BENCH_ONLY=placement|scale runs one of the two.
const only = process.env['BENCH_ONLY'];
if (only === undefined || only === 'placement') await placement();
if (only === undefined || only === 'scale') await scale();
