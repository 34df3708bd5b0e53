// Raft benchmark: tsmesos masters vs etcd 3.4, both 3 members on loopback, same timings
// (100 ms heartbeat, 1 s election timeout), measured one after the other in the same run.
//   failover: kill -9 the leader N times; time until some member accepts a write (p50/max),
//             also at a 300 ms election timeout (50 ms heartbeat), both systems
//   writes:   replicated writes through the leader, 1 and 64 concurrent clients (ops/s, p50/p99)
//   stability (tsmesos): leader/term changes seen by polling every member's raft status
//             during an idle period and during a sustained 64-client write load
//   memory (tsmesos): RSS of each idle master, and of the leader after BENCH_MEMORY_COMMANDS
//             registry commands (batched through the bench endpoint), with the raft_entries
//             table's row count before/after to show that compaction bounds the log
// tsmesos writes go to the hidden POST /tsmesos/raft/v1/bench/propose (NOOP registry
// commands; enabled by TSMESOS_RAFT_BENCH=1); etcd writes to its gateway POST /v3/kv/put.
// Env: BENCH_KILLS (default 5), BENCH_SECONDS per write phase (default 5),
// BENCH_IDLE_SECONDS (default 60), BENCH_LOAD_SECONDS (sustained load, default 60),
// BENCH_MEMORY_COMMANDS (default 1,000,000), BENCH_MEMORY_MAX_SECONDS (default 600: past it
// the memory phase stops and prints a projection, saying so), BENCH_FAST_FAILOVER=0 to skip
// the 300 ms runs, BENCH_FROM_BINARY=1 to run build/out/tsmesos instead of the source, BENCH_KEEP=1 to keep
// the logs and data of a finished run (a failed one always keeps them).
// Needs `etcd` on PATH (Debian: apt-get install -y etcd-server); without it only tsmesos.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

const REPO = path.resolve(import.meta.dirname, '..');
const KILLS = Number(process.env['BENCH_KILLS'] ?? 5);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const IDLE_SECONDS = Number(process.env['BENCH_IDLE_SECONDS'] ?? 60);
const LOAD_SECONDS = Number(process.env['BENCH_LOAD_SECONDS'] ?? 60);
const MEMORY_COMMANDS = Number(process.env['BENCH_MEMORY_COMMANDS'] ?? 1_000_000);
const MEMORY_MAX_SECONDS = Number(process.env['BENCH_MEMORY_MAX_SECONDS'] ?? 600);
const FAST_FAILOVER = process.env['BENCH_FAST_FAILOVER'] !== '0';
const FROM_BINARY = process.env['BENCH_FROM_BINARY'] === '1';
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

interface Member { name: string; host: string; port: number; proc: ChildProcess | null; dataDir: string; start(): void }

interface Timing { heartbeatMs: number; electionMs: number }
const NORMAL: Timing = { heartbeatMs: 100, electionMs: 1000 };
const FAST: Timing = { heartbeatMs: 50, electionMs: 300 };

interface System {
  name: string;
  members: Member[];
  /** One write through `m`; true if accepted (committed). */
  write(m: Member): Promise<boolean>;
  leader(): Promise<Member | undefined>;
  /** `m` is up and follows a leader. */
  healthy(m: Member): Promise<boolean>;
  /** tsmesos only: `m`'s view of term and leader. */
  status?(m: Member): Promise<{ term: number; lead: string } | null>;
  /** tsmesos only: `n` commands in one request; resolves with how many were committed. */
  writeBatch?(m: Member, n: number): Promise<number>;
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

async function writes(sys: System, clients: number, seconds = SECONDS): Promise<{ opsPerSec: number; p50: number; p99: number; errors: number }> {
  const leader = await until(`${sys.name} leader`, () => sys.leader(), 30_000);
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  let errors = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const ok = await sys.write(leader).catch(() => false);
      if (ok) lat.push(performance.now() - t0);
      else if (++errors > 1000) throw new Error(`${sys.name}: too many write errors`);
    }
  }));
  return { opsPerSec: lat.length / seconds, p50: pct(lat, 50), p99: pct(lat, 99), errors };
}

interface Stability { seconds: number; leaderChanges: number; termChanges: number; polls: number }

/**
 * Polls every member's raft status every 100 ms for `seconds` while `load` runs (if any) and
 * counts changes of the leader any member reports and of the highest term seen.
 */
async function stability(sys: System, seconds: number, load?: () => Promise<unknown>): Promise<Stability> {
  const status = sys.status!.bind(sys);
  let lead = '';
  let term = -1;
  let leaderChanges = 0;
  let termChanges = 0;
  let polls = 0;
  const end = performance.now() + seconds * 1000;
  const poller = (async () => {
    while (performance.now() < end) {
      const ss = await Promise.all(sys.members.map((m) => status(m).catch(() => null)));
      polls++;
      for (const s of ss) {
        if (!s) continue;
        if (term >= 0 && s.term > term) termChanges++;
        term = Math.max(term, s.term);
        if (s.lead !== '' && s.lead !== lead) {
          if (lead !== '') leaderChanges++;
          lead = s.lead;
        }
      }
      await sleep(100);
    }
  })();
  await Promise.all([poller, load?.()]);
  return { seconds, leaderChanges, termChanges, polls };
}

const rssMiB = (pid: number | undefined): number => {
  if (pid === undefined) return NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
};

/** Rows of the raft_entries table (read-only, beside the running master: WAL allows it). */
function raftRows(m: Member): { rows: number; first: number; last: number } | null {
  try {
    const db = new Database(path.join(m.dataDir, 'master', 'registry.db'), { readonly: true, fileMustExist: true });
    try {
      const r = db.prepare('SELECT COUNT(*) AS rows, MIN(idx) AS first, MAX(idx) AS last FROM raft_entries').get() as { rows: number; first: number | null; last: number | null };
      return { rows: r.rows, first: r.first ?? 0, last: r.last ?? 0 };
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

interface Memory {
  idleRss: number[];
  commands: number;
  seconds: number;
  completed: boolean;
  leaderRss: number;
  rowsBefore: ReturnType<typeof raftRows>;
  rowsAfter: ReturnType<typeof raftRows>;
}

/** Drives `target` commands through the leader in batches (bounded in time), then reads its RSS. */
async function memory(sys: System, idleRss: number[], target: number): Promise<Memory> {
  const leader = await until(`${sys.name} leader`, () => sys.leader(), 30_000);
  const rowsBefore = raftRows(leader);
  const BATCH = 500;
  const CLIENTS = 8;
  let done = 0;
  let issued = 0;
  let errors = 0;
  const t0 = performance.now();
  const end = t0 + MEMORY_MAX_SECONDS * 1000;
  let lastReport = t0;
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (issued < target && performance.now() < end) {
      const n = Math.min(BATCH, target - issued);
      issued += n;
      const ok = await sys.writeBatch!(leader, n).catch(() => 0);
      if (ok === 0 && ++errors > 100) throw new Error(`${sys.name}: too many batch errors`);
      issued -= n - ok;
      done += ok;
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        process.stderr.write(`  memory phase: ${done} commands in ${((lastReport - t0) / 1000).toFixed(0)} s, leader RSS ${rssMiB(leader.proc?.pid).toFixed(0)} MiB\n`);
      }
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  await sleep(2000); // let the last compaction land
  return {
    idleRss, commands: done, seconds, completed: done >= target, leaderRss: rssMiB(leader.proc?.pid), rowsBefore, rowsAfter: raftRows(leader),
  };
}

function spawnLogged(cmd: string, args: string[], env: NodeJS.ProcessEnv, log: string): ChildProcess {
  const out = fs.openSync(log, 'a');
  const child = spawn(cmd, args, { env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return child;
}

function tsmesosSystem(dir: string, t: Timing = NORMAL, net = '127.0.3', tag = 'ts'): System {
  const port = 15050;
  const ids = [1, 2, 3].map((i) => `${net}.${i}:${port}`);
  const bin = path.join(REPO, 'build', 'out', 'tsmesos');
  const fromBinary = FROM_BINARY;
  const members: Member[] = ids.map((id, i) => {
    const m: Member = {
      name: id, host: `${net}.${i + 1}`, port, proc: null, dataDir: path.join(dir, `${tag}${i}`),
      start() {
        const args = ['up', '--role', 'master', '--ip', m.host, '--port', String(port), '--data-dir', m.dataDir, '--peers', ids.join(','),
          '--heartbeat-interval', `${t.heartbeatMs}ms`, '--election-timeout', `${t.electionMs}ms`, '--log-level', 'warn'];
        const env = { ...process.env, TSMESOS_RAFT_BENCH: '1' };
        m.proc = fromBinary ? spawnLogged(bin, args, env, path.join(dir, `${tag}${i}.log`))
          : spawnLogged(process.execPath, ['--import', 'tsx', path.join(REPO, 'src', 'main.ts'), ...args], env, path.join(dir, `${tag}${i}.log`));
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
    async status(m) {
      if (!m.proc) return null;
      const r = await fetch(`http://${m.name}/tsmesos/raft/v1/status`, { signal: AbortSignal.timeout(1000) }).catch(() => null);
      return r && r.status === 200 ? ((await r.json()) as { term: number; lead: string }) : null;
    },
    async writeBatch(m, n) {
      if (!m.proc) return 0;
      const r = await post(m.host, m.port, `/tsmesos/raft/v1/bench/propose?n=${n}`, '', 30_000);
      return r.status === 200 ? n : 0;
    },
  };
}

function etcdSystem(dir: string, t: Timing = NORMAL, net = '127.0.2', tag = 'e'): System {
  const names = [1, 2, 3].map((i) => `${tag}${i}`);
  const cluster = names.map((n, i) => `${n}=http://${net}.${i + 1}:2380`).join(',');
  const members: Member[] = names.map((n, i) => {
    const host = `${net}.${i + 1}`;
    const m: Member = {
      name: n, host, port: 2379, proc: null, dataDir: path.join(dir, n),
      start() {
        m.proc = spawnLogged('etcd', [
          '--name', n, '--data-dir', m.dataDir, '--listen-client-urls', `http://${host}:2379`, '--advertise-client-urls', `http://${host}:2379`,
          '--listen-peer-urls', `http://${host}:2380`, '--initial-advertise-peer-urls', `http://${host}:2380`, '--initial-cluster', cluster,
          '--initial-cluster-state', 'new', '--heartbeat-interval', String(t.heartbeatMs), '--election-timeout', String(t.electionMs), '--log-level', 'warn',
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

interface Result {
  failover: number[];
  w1: Awaited<ReturnType<typeof writes>>;
  w64: Awaited<ReturnType<typeof writes>>;
  idle?: Stability;
  load?: Stability & { writes: Awaited<ReturnType<typeof writes>> };
  memory?: Memory;
}

async function measure(sys: System): Promise<Result> {
  for (const m of sys.members) m.start();
  try {
    await until(`${sys.name} first leader`, () => sys.leader(), 60_000, 100);
    let idleRss: number[] = [];
    if (sys.status) {
      await sleep(2000);
      idleRss = sys.members.map((m) => rssMiB(m.proc?.pid));
    }
    const w1 = await writes(sys, 1);
    const w64 = await writes(sys, 64);
    const r: Result = { failover: [], w1, w64 };
    if (sys.status && IDLE_SECONDS > 0) {
      process.stderr.write(`${sys.name}: idle for ${IDLE_SECONDS} s, counting leader changes\n`);
      r.idle = await stability(sys, IDLE_SECONDS);
    }
    if (sys.status && LOAD_SECONDS > 0) {
      process.stderr.write(`${sys.name}: 64 clients writing for ${LOAD_SECONDS} s, counting leader changes\n`);
      let w: Awaited<ReturnType<typeof writes>> | undefined;
      const st = await stability(sys, LOAD_SECONDS, async () => {
        w = await writes(sys, 64, LOAD_SECONDS);
      });
      r.load = { ...st, writes: w! };
    }
    if (sys.writeBatch && MEMORY_COMMANDS > 0) {
      process.stderr.write(`${sys.name}: ${MEMORY_COMMANDS} registry commands for the memory figure (at most ${MEMORY_MAX_SECONDS} s)\n`);
      r.memory = await memory(sys, idleRss, MEMORY_COMMANDS);
    }
    r.failover = await failover(sys);
    return r;
  } finally {
    await Promise.all(sys.members.map(kill9));
  }
}

/** Failover only, at the short election timeout. */
async function measureFailover(sys: System): Promise<number[]> {
  for (const m of sys.members) m.start();
  try {
    await until(`${sys.name} first leader`, () => sys.leader(), 60_000, 100);
    return await failover(sys);
  } finally {
    await Promise.all(sys.members.map(kill9));
  }
}

function report(ts: Result, etcd: Result | null, fast: { ts: number[]; etcd: number[] | null } | null): void {
  const f = (n: number, d = 0): string => (Number.isFinite(n) ? n.toFixed(d) : '-');
  const line = (label: string, a: number, b: number | null, unit: string, d = 0): string =>
    `${label.padEnd(34)} ${`${f(a, d)} ${unit}`.padStart(14)} ${b === null ? '-'.padStart(14) : `${f(b, d)} ${unit}`.padStart(14)} ${b === null ? '' : `${(a / b).toFixed(2)}x`.padStart(8)}`;
  const out = [
    `raft benchmark: 3 members on loopback, heartbeat 100 ms, election timeout 1 s; ${KILLS} kills, ${SECONDS} s per write phase; ${os.cpus().length} cores; tsmesos from ${FROM_BINARY ? 'the binary' : 'source (node + tsx)'}`,
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
  if (fast) {
    out.push(
      `failover at election timeout ${FAST.electionMs} ms, heartbeat ${FAST.heartbeatMs} ms (${KILLS} kills each):`,
      line('  failover p50', pct(fast.ts, 50), fast.etcd ? pct(fast.etcd, 50) : null, 'ms'),
      line('  failover max', Math.max(...fast.ts), fast.etcd ? Math.max(...fast.etcd) : null, 'ms'),
      `  samples (ms): tsmesos ${fast.ts.map((x) => x.toFixed(0)).join(',')}${fast.etcd ? `; etcd ${fast.etcd.map((x) => x.toFixed(0)).join(',')}` : ''}; target p50 <= 500 ms: ${pct(fast.ts, 50) <= 500 ? 'met' : 'NOT met'}`,
    );
  }
  const stab = (label: string, st: Stability): string =>
    `${label.padEnd(34)} ${st.leaderChanges} leader changes, ${st.termChanges} term changes (${st.polls} polls of all 3 members)`;
  if (ts.idle) out.push(stab(`tsmesos idle ${ts.idle.seconds} s`, ts.idle));
  if (ts.load) {
    out.push(stab(`tsmesos 64-client load ${ts.load.seconds} s`, ts.load));
    out.push(`${'  sustained writes'.padEnd(34)} ${f(ts.load.writes.opsPerSec)} op/s, p50 ${f(ts.load.writes.p50, 2)} ms, p99 ${f(ts.load.writes.p99, 2)} ms, ${ts.load.writes.errors} errors`);
  }
  const mem = ts.memory;
  if (mem) {
    out.push(`tsmesos memory (RSS): idle masters ${mem.idleRss.map((x) => `${f(x)} MiB`).join(', ')}`);
    const rows = (r: Memory['rowsBefore']): string => (r ? `${r.rows} rows (idx ${r.first}..${r.last})` : 'n/a');
    if (mem.completed) {
      out.push(`  leader after ${mem.commands} commands: ${f(mem.leaderRss)} MiB; took ${f(mem.seconds, 1)} s (${f(mem.commands / mem.seconds)} commands/s)`);
    } else {
      const projected = (MEMORY_COMMANDS / mem.commands) * mem.seconds;
      out.push(`  PROJECTED, NOT MEASURED: only ${mem.commands} of ${MEMORY_COMMANDS} commands ran within ${MEMORY_MAX_SECONDS} s; leader RSS after them ${f(mem.leaderRss)} MiB; the full count would take ~${f(projected)} s at ${f(mem.commands / mem.seconds)} commands/s`);
    }
    out.push(`  leader raft_entries table: before ${rows(mem.rowsBefore)}, after ${rows(mem.rowsAfter)} (compaction every 10,000 applied, 1,000 kept)`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsmesos-bench-raft-'));
  process.stderr.write(`logs and data in ${dir}\n`);
  const t0 = performance.now();
  const hasEtcd = spawnSync('etcd', ['--version'], { stdio: 'ignore' }).status === 0;
  const ts = await measure(tsmesosSystem(dir));
  let etcd: Result | null = null;
  if (hasEtcd) etcd = await measure(etcdSystem(dir));
  else process.stderr.write('etcd not found (apt-get install -y etcd-server): measuring tsmesos only\n');
  let fast: { ts: number[]; etcd: number[] | null } | null = null;
  if (FAST_FAILOVER) {
    process.stderr.write(`failover at a ${FAST.electionMs} ms election timeout\n`);
    const fts = await measureFailover(tsmesosSystem(dir, FAST, '127.0.5', 'fts'));
    const fetcd = hasEtcd ? await measureFailover(etcdSystem(dir, FAST, '127.0.6', 'fe')) : null;
    fast = { ts: fts, etcd: fetcd };
  }
  report(ts, etcd, fast);
  process.stdout.write(`total bench time ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  agent.destroy();
  // The logs are for a failed run (which keeps them, and says where); a finished one leaves nothing behind.
  if (process.env['BENCH_KEEP'] !== '1') fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
