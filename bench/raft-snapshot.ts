// Snapshot catch-up benchmark: a 3-member Raft cluster of BlobMachines (real SQLite, the real
// HTTP transport on 127.0.0.1); two members in this process write BENCH_SNAPSHOT_MB of
// incompressible blobs and compact their logs; the third starts empty in its own process and
// catches up from the leader's snapshot, sent in chunks. Reports the transfer time, the chunks,
// the late member's RSS (start, peak, end), its worst event-loop stall, and the leader changes
// seen by polling both old members every 50 ms during the transfer (heartbeats must keep
// flowing: expected 0). Timings: 100 ms heartbeat, 1 s election timeout (as bench:raft).
// Env: BENCH_SNAPSHOT_MB (default 200), BENCH_CHUNK_KB (default 1024), BENCH_WINDOW (default 4).
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seededRng } from '../src/lib/rng.js';
import { freePort } from '../test/helpers/process.js';
import { proposeOnLeader, startBlobNode, type BlobNode } from '../test/consensus/blob-cluster.js';

const MB = Number(process.env['BENCH_SNAPSHOT_MB'] ?? 200);
const CHUNK = Number(process.env['BENCH_CHUNK_KB'] ?? 1024) * 1024;
const WINDOW = Number(process.env['BENCH_WINDOW'] ?? 4);
const HEARTBEAT = 100;
const ELECTION = 1000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;

interface Report {
  startRss: number; peakRss: number; rss: number; loopDelayMaxMs: number; loopDelayP99Ms: number;
  stats: { chunksReceived: number; snapshotsReceived: number; lastSnapshotBytes: number };
  status: { snapshotIndex: number; applied: number };
  digest?: { sha256: string; bytes: number; count: number };
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsmesos-bench-snapshot-'));
const nodes: BlobNode[] = [];
let child: ReturnType<typeof fork> | null = null;
try {
  const ids = [await freePort(), await freePort(), await freePort()].map((p) => `127.0.0.1:${p}`);
  const opts = { compactEvery: 50, compactKeep: 10, snapshotChunkBytes: CHUNK, snapshotWindow: WINDOW, heartbeatIntervalMs: HEARTBEAT, electionTimeoutMs: ELECTION };
  for (let i = 0; i < 2; i++) nodes.push(await startBlobNode(ids[i]!, ids, path.join(root, `m${i}`), opts));
  const rng = seededRng(1);
  const blob = 1 << 20;
  const t0 = performance.now();
  for (let i = 0; i < MB; i++) await proposeOnLeader(nodes, new Uint8Array(rng.bytes(blob)));
  // Small entries until the leader's snapshot holds everything written.
  for (let i = 0; i < 200; i++) {
    const leader = nodes.find((n) => n.driver.leaderReady());
    if (leader && leader.driver.raft.log.snapshot.data.byteLength >= MB * blob) break;
    await proposeOnLeader(nodes, new Uint8Array(8));
  }
  const leader = nodes.find((n) => n.driver.leaderReady())!;
  const snapBytes = leader.driver.raft.log.snapshot.data.byteLength;
  console.log(`wrote ${MB} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s; leader snapshot at index ${leader.driver.status().snapshotIndex}: ${mib(snapBytes)}`);

  const reports: Report[] = [];
  child = fork(path.join(import.meta.dirname, 'raft-snapshot-member.ts'),
    [ids[2]!, ids.join(','), path.join(root, 'm2'), String(CHUNK), String(WINDOW), String(HEARTBEAT), String(ELECTION)],
    { execArgv: ['--import', 'tsx'] });
  child.on('message', (m: Report | { ready: true }) => {
    if (!('ready' in m)) reports.push(m);
  });
  const report = async (what = 'report'): Promise<Report> => {
    const n = reports.length;
    child!.send(what);
    for (let i = 0; i < 3000 && reports.length === n; i++) await sleep(10);
    if (reports.length === n) throw new Error('the late member did not report');
    return reports[reports.length - 1]!;
  };
  const want = leader.machine.digest();
  const wantApplied = leader.driver.status().applied;
  const termAt = leader.driver.status().term;
  let leaderChanges = 0;
  let lastLeader = leader.id;
  const tStart = performance.now();
  let r: Report | null = null;
  for (let i = 0; i < 12_000; i++) { // bounded: at most ~10 minutes
    await sleep(50);
    const lead = nodes.map((n) => n.driver.leaderId()).find((l) => l !== '') ?? '';
    if (lead !== '' && lead !== lastLeader) {
      leaderChanges++;
      lastLeader = lead;
    }
    if (i % 4 === 0) {
      r = await report().catch(() => null);
      if (r && r.status.applied >= wantApplied) break;
    }
  }
  const seconds = (performance.now() - tStart) / 1000;
  r = await report('final');
  if (r.digest?.sha256 !== want.sha256) throw new Error('the late member did not catch up');
  const terms = nodes.map((n) => n.driver.status().term);
  console.log(`catch-up of ${mib(r.stats.lastSnapshotBytes)} in ${seconds.toFixed(1)} s (${(r.stats.lastSnapshotBytes / 2 ** 20 / seconds).toFixed(0)} MiB/s), ${r.stats.chunksReceived} chunks of ${CHUNK >> 10} KiB, window ${WINDOW}`);
  console.log(`late member RSS: ${mib(r.startRss)} at start, ${mib(r.peakRss)} peak, ${mib(r.rss)} after; worst event-loop stall ${r.loopDelayMaxMs.toFixed(0)} ms (p99 ${r.loopDelayP99Ms.toFixed(0)} ms)`);
  console.log(`leader changes during the transfer: ${leaderChanges}; term ${termAt} before, ${Math.max(...terms)} after`);
  console.log(`load average: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (${os.cpus().length} cores)`);
  child.send('stop');
  await new Promise((res) => child!.once('exit', res));
  child = null;
} finally {
  child?.kill('SIGKILL');
  for (const n of nodes) await n.stop();
  fs.rmSync(root, { recursive: true, force: true });
}
