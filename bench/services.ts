// The services scheduler at scale on one `up --role all` node (built binary): a posix app
// scaled 0 -> N instances (`sleep 3600`, no ports), seconds from the PUT until all N are
// RUNNING, then until all are gone after DELETE.
//   npm run build && npm run bench:services        (BENCH_INSTANCES=200 by default; target < 5 s)
// Not yet here: the 20 docker instances next to `docker service create --replicas 20`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAllInOne } from '../test/helpers/process.js';

const N = Number(process.env['BENCH_INSTANCES'] ?? 200);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsmesos-bench-services-'));
const node = await startAllInOne(dir, ['--resources', `cpus:${Math.max(4, N * 0.01 + 1)};mem:${Math.max(4096, N * 8 + 1024)};disk:1024;ports:[31000-31100]`]).catch((e: unknown) => {
  fs.rmSync(dir, { recursive: true, force: true });
  throw e;
});

async function json<T>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(`${node.master}${p}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}) });
  return { status: r.status, body: (await r.json()) as T };
}

async function until(what: string, f: () => Promise<boolean>, limitMs: number): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!(await f())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const running = async (): Promise<number> => (await json<{ tasks: { state: string }[] }>('GET', '/v2/apps/bench/sleep/tasks')).body.tasks.filter((t) => t.state === 'TASK_RUNNING').length;

try {
  const created = await json('PUT', '/v2/apps/bench/sleep', { cmd: 'exec sleep 3600', cpus: 0.01, mem: 4, instances: 0, portDefinitions: [] });
  if (created.status !== 201) throw new Error(`PUT answered ${created.status}: ${JSON.stringify(created.body)}`);
  await until('the empty app deployed', async () => (await json<unknown[]>('GET', '/v2/deployments')).body.length === 0, 30_000);
  const t0 = performance.now();
  const scaled = await json('PUT', '/v2/apps/bench/sleep', { instances: N });
  if (scaled.status !== 200) throw new Error(`scale answered ${scaled.status}`);
  await until(`${N} running`, async () => (await running()) === N, 120_000);
  const up = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  await json('DELETE', '/v2/apps/bench/sleep');
  await until('all gone', async () => (await json<{ tasks: unknown[] }>('GET', '/v2/tasks')).body.tasks.length === 0, 120_000);
  const down = (performance.now() - t1) / 1000;
  process.stdout.write(`services: posix app 0 -> ${N} instances on one all node: ${up.toFixed(2)} s until all RUNNING (target < 5 s); DELETE -> all gone ${down.toFixed(2)} s\n`);
} finally {
  node.proc.kill('SIGTERM');
  await node.proc.exited;
  fs.rmSync(dir, { recursive: true, force: true });
}
