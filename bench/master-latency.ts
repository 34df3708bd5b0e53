// ACCEPT -> TASK_RUNNING latency on one `up --role all` node (issue "Master", benchmarks):
// a framework launches N posix tasks (`sleep 0.2`) one after another, acknowledging updates
// as a real framework does; we time from sending ACCEPT to receiving TASK_RUNNING.
//   npm run build && npm run bench:latency        (BENCH_TASKS=200 by default; target p50 < 50 ms)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAllInOne } from '../test/helpers/process.js';
import { V1Scheduler, offersOf, updateOf, type Event } from '../test/helpers/v1-client.js';

const N = Number(process.env['BENCH_TASKS'] ?? 200);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsmesos-bench-latency-'));
const node = await startAllInOne(dir, ['--resources', 'cpus:4;mem:4096;disk:1024;ports:[31000-31100]']).catch((e: unknown) => {
  fs.rmSync(dir, { recursive: true, force: true });
  throw e;
});
const s = new V1Scheduler(node.master, { timeoutMs: 30_000 });
const samples: number[] = [];
try {
  await s.subscribe({ user: 'root', name: 'bench-latency' });
  const isOffers = (e: Event): boolean => e.type === 'OFFERS';
  for (let i = 0; i < N; i++) {
    const offer = offersOf(await s.next(isOffers))[0]!;
    const id = `t-${i}`;
    const t0 = performance.now();
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], filters: { refuse_seconds: 0 }, operations: [{ type: 'LAUNCH', launch: { task_infos: [{
      name: id, task_id: { value: id }, agent_id: offer.agent_id, command: { value: 'sleep 0.2' },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 } }],
    }] } }] } });
    for (;;) {
      const u = updateOf(await s.next((e) => e.type === 'UPDATE' && updateOf(e).task_id.value === id));
      if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
      if (u.state === 'TASK_RUNNING') {
        samples.push(performance.now() - t0);
        break;
      }
      if (u.state !== 'TASK_STARTING') throw new Error(`task ${id} went ${u.state}`);
    }
    // Resources are offered again when tasks end; leftovers of the offer come back at once (refuse 0).
    s.events.splice(0, s.events.length, ...s.events.filter((e) => e.type === 'OFFERS'));
  }
  samples.sort((a, b) => a - b);
  const q = (p: number): number => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  process.stdout.write(`ACCEPT -> TASK_RUNNING, ${N} posix tasks on one all node: p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, min ${samples[0]!.toFixed(1)}, max ${samples.at(-1)!.toFixed(1)} (target p50 < 50 ms)\n`);
} finally {
  s.close();
  node.proc.kill('SIGTERM');
  await node.proc.exited;
  fs.rmSync(dir, { recursive: true, force: true });
}
