// Raft benchmark: tsmesos masters vs etcd 3.4, both 3 members on loopback, same timings
// (100 ms heartbeat, 1 s election timeout), measured one after the other in the same run.
//   failover: kill -9 the leader N times; time until some member accepts a write (p50/max)
//   writes:   replicated writes through the leader, 1 and 64 concurrent clients (ops/s, p50/p99)
// tsmesos writes go to the hidden POST /tsmesos/raft/v1/bench/propose (one NOOP registry
// command; enabled by TSMESOS_RAFT_BENCH=1); etcd writes to its gateway POST /v3/kv/put.
// Env: BENCH_KILLS (default 5), BENCH_SECONDS per write phase (default 5),
// BENCH_FROM_BINARY=1 to run build/out/tsmesos instead of the source. Needs `etcd` on PATH
// (Debian: apt-get install -y etcd-server); without it only tsmesos is measured.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '..');
const KILLS = Number(process.env['BENCH_KILLS'] ?? 5);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

function post(host: string, port: number, p: string, body: string, timeoutMs = 1000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path: p, method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      let data = '';
      res.on('data', (c: Buffer) => (data += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

interface Member { name: string; host: string; port: number; proc: ChildProcess | null; start(): void }

interface System {
  name: string;
  members: Member[];
  /** One write through `m`; true if accepted (committed). */
  write(m: Member): Promise<boolean>;
  leader(): Promise<Member | undefined>;
  /** `m` is up and follows a leader. */
  healthy(m: Member): Promise<boolean>;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs: number, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(everyMs);
  }
  throw new Error(`timed out: ${what}`);
}

function kill9(m: Member): Promise<void> {
  const p = m.proc;
  m.proc = null;
  if (!p || p.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  });
}

async function failover(sys: System): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < KILLS; i++) {
    const leader = await until(`${sys.name} leader`, () => sys.leader(), 30_000);
    await until(`${sys.name} write`, async () => ((await sys.write(leader)) ? true : undefined), 10_000);
    const t0 = performance.now();
    await kill9(leader);
    const rest = sys.members.filter((m) => m !== leader);
    await until(`${sys.name} new leader`, async () => {
      const ok = await Promise.all(rest.map((m) => sys.write(m).catch(() => false)));
      return ok.some(Boolean) ? true : undefined;
    }, 30_000, 10);
    times.push(performance.now() - t0);
    leader.start();
    // Let the restarted member catch up so every round starts from a healthy cluster.
    await until(`${sys.name} rejoin`, async () => ((await sys.healthy(leader)) ? true : undefined), 30_000, 100);
    await sleep(1500);
  }
  return times;
}

async function writes(sys: System, clients: number): Promise<{ opsPerSec: number; p50: number; p99: number }> {
  const leader = await until(`${sys.name} leader`, () => sys.leader(), 30_000);
  const lat: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  let errors = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const ok = await sys.write(leader).catch(() => false);
      if (ok) lat.push(performance.now() - t0);
      else if (++errors > 1000) throw new Error(`${sys.name}: too many write errors`);
    }
  }));
  return { opsPerSec: lat.length / SECONDS, p50: pct(lat, 50), p99: pct(lat, 99) };
}

function spawnLogged(cmd: string, args: string[], env: NodeJS.ProcessEnv, log: string): ChildProcess {
  const out = fs.openSync(log, 'a');
  const child = spawn(cmd, args, { env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return child;
}

function tsmesosSystem(dir: string): System {
  const port = 15050;
  const ids = [1, 2, 3].map((i) => `127.0.3.${i}:${port}`);
  const bin = path.join(REPO, 'build', 'out', 'tsmesos');
  const fromBinary = process.env['BENCH_FROM_BINARY'] === '1';
  const members: Member[] = ids.map((id, i) => {
    const m: Member = {
      name: id, host: `127.0.3.${i + 1}`, port, proc: null,
      start() {
        const args = ['up', '--role', 'master', '--ip', m.host, '--port', String(port), '--data-dir', path.join(dir, `ts${i}`), '--peers', ids.join(','),
          '--heartbeat-interval', '100ms', '--election-timeout', '1secs', '--log-level', 'warn'];
        const env = { ...process.env, TSMESOS_RAFT_BENCH: '1' };
        m.proc = fromBinary ? spawnLogged(bin, args, env, path.join(dir, `ts${i}.log`))
          : spawnLogged(process.execPath, ['--import', 'tsx', path.join(REPO, 'src', 'main.ts'), ...args], env, path.join(dir, `ts${i}.log`));
      },
    };
    return m;
  });
  return {
    name: 'tsmesos', members,
    async write(m) {
      if (!m.proc) return false;
      const r = await post(m.host, m.port, '/tsmesos/raft/v1/bench/propose', '');
      return r.status === 200;
    },
    async leader() {
      for (const m of members) {
        if (!m.proc) continue;
        const r = await fetch(`http://${m.name}/tsmesos/raft/v1/status`, { signal: AbortSignal.timeout(500) }).catch(() => null);
        const s = r && r.status === 200 ? ((await r.json()) as { role: string; lead: string }) : null;
        if (s?.role === 'leader') return m;
      }
      return undefined;
    },
    async healthy(m) {
      const r = await fetch(`http://${m.name}/tsmesos/raft/v1/status`, { signal: AbortSignal.timeout(500) }).catch(() => null);
      const s = r && r.status === 200 ? ((await r.json()) as { lead: string; applied: number; commit: number }) : null;
      return s !== null && s.lead !== '' && s.applied === s.commit;
    },
  };
}

function etcdSystem(dir: string): System {
  const names = ['e1', 'e2', 'e3'];
  const cluster = names.map((n, i) => `${n}=http://127.0.2.${i + 1}:2380`).join(',');
  const members: Member[] = names.map((n, i) => {
    const host = `127.0.2.${i + 1}`;
    const m: Member = {
      name: n, host, port: 2379, proc: null,
      start() {
        m.proc = spawnLogged('etcd', [
          '--name', n, '--data-dir', path.join(dir, n), '--listen-client-urls', `http://${host}:2379`, '--advertise-client-urls', `http://${host}:2379`,
          '--listen-peer-urls', `http://${host}:2380`, '--initial-advertise-peer-urls', `http://${host}:2380`, '--initial-cluster', cluster,
          '--initial-cluster-state', 'new', '--heartbeat-interval', '100', '--election-timeout', '1000', '--log-level', 'warn',
        ], process.env, path.join(dir, `${n}.log`));
      },
    };
    return m;
  });
  const key = Buffer.from('bench').toString('base64');
  const value = Buffer.from('x'.repeat(32)).toString('base64');
  return {
    name: 'etcd', members,
    async write(m) {
      if (!m.proc) return false;
      const r = await post(m.host, m.port, '/v3/kv/put', JSON.stringify({ key, value }));
      return r.status === 200;
    },
    async leader() {
      for (const m of members) {
        if (!m.proc) continue;
        const r = await post(m.host, m.port, '/v3/maintenance/status', '{}', 500).catch(() => null);
        if (!r || r.status !== 200) continue;
        const s = JSON.parse(r.body) as { leader?: string; header?: { member_id?: string } };
        if (s.leader && s.leader === s.header?.member_id) return m;
      }
      return undefined;
    },
    async healthy(m) {
      return this.write(m);
    },
  };
}

interface Result { failover: number[]; w1: Awaited<ReturnType<typeof writes>>; w64: Awaited<ReturnType<typeof writes>> }

async function measure(sys: System): Promise<Result> {
  for (const m of sys.members) m.start();
  try {
    await until(`${sys.name} first leader`, () => sys.leader(), 60_000, 100);
    const w1 = await writes(sys, 1);
    const w64 = await writes(sys, 64);
    const fo = await failover(sys);
    return { failover: fo, w1, w64 };
  } finally {
    await Promise.all(sys.members.map(kill9));
  }
}

function report(rows: [string, Result | null][]): void {
  const [ts, etcd] = [rows[0]![1]!, rows[1]?.[1] ?? null];
  const f = (n: number, d = 0): string => (Number.isFinite(n) ? n.toFixed(d) : '-');
  const line = (label: string, a: number, b: number | null, unit: string, d = 0): string =>
    `${label.padEnd(34)} ${`${f(a, d)} ${unit}`.padStart(14)} ${b === null ? '-'.padStart(14) : `${f(b, d)} ${unit}`.padStart(14)} ${b === null ? '' : `${(a / b).toFixed(2)}x`.padStart(8)}`;
  const out = [
    `raft benchmark: 3 members on loopback, heartbeat 100 ms, election timeout 1 s; ${KILLS} kills, ${SECONDS} s per write phase; ${os.cpus().length} cores`,
    `${''.padEnd(34)} ${'tsmesos'.padStart(14)} ${'etcd 3.4'.padStart(14)} ${'ratio'.padStart(8)}`,
    line('failover p50 (kill -9 -> write)', pct(ts.failover, 50), etcd ? pct(etcd.failover, 50) : null, 'ms'),
    line('failover max', Math.max(...ts.failover), etcd ? Math.max(...etcd.failover) : null, 'ms'),
    line('writes, 1 client', ts.w1.opsPerSec, etcd ? etcd.w1.opsPerSec : null, 'op/s'),
    line('  latency p50', ts.w1.p50, etcd ? etcd.w1.p50 : null, 'ms', 2),
    line('  latency p99', ts.w1.p99, etcd ? etcd.w1.p99 : null, 'ms', 2),
    line('writes, 64 clients', ts.w64.opsPerSec, etcd ? etcd.w64.opsPerSec : null, 'op/s'),
    line('  latency p50', ts.w64.p50, etcd ? etcd.w64.p50 : null, 'ms', 2),
    line('  latency p99', ts.w64.p99, etcd ? etcd.w64.p99 : null, 'ms', 2),
    `failover samples (ms): tsmesos ${ts.failover.map((x) => x.toFixed(0)).join(',')}${etcd ? `; etcd ${etcd.failover.map((x) => x.toFixed(0)).join(',')}` : ''}`,
  ];
  process.stdout.write(out.join('\n') + '\n');
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsmesos-bench-raft-'));
  process.stderr.write(`logs and data in ${dir}\n`);
  const ts = await measure(tsmesosSystem(dir));
  let etcd: Result | null = null;
  if (spawnSync('etcd', ['--version'], { stdio: 'ignore' }).status === 0) etcd = await measure(etcdSystem(dir));
  else process.stderr.write('etcd not found (apt-get install -y etcd-server): measuring tsmesos only\n');
  report([['tsmesos', ts], ['etcd', etcd]]);
  agent.destroy();
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
