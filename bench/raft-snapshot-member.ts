// One Raft member of bench/raft-snapshot.ts in its own process, so its memory is its own:
// started with nothing, it catches up from the leader's snapshot. Driven over IPC.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startBlobNode } from '../test/consensus/blob-cluster.js';

const [id, votersCsv, dir, chunkBytes, windowSize, heartbeatMs, electionMs] = process.argv.slice(2);
if (!id || !votersCsv || !dir) throw new Error('usage: raft-snapshot-member ID VOTERS DIR CHUNK WINDOW HEARTBEAT ELECTION');

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let peakRss = process.memoryUsage().rss;
const startRss = peakRss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 10);

const node = await startBlobNode(id, votersCsv.split(','), dir, {
  compactEvery: 50, compactKeep: 10, snapshotChunkBytes: Number(chunkBytes), snapshotWindow: Number(windowSize),
  heartbeatIntervalMs: Number(heartbeatMs), electionTimeoutMs: Number(electionMs),
});

process.on('message', (m: string) => {
  if (m === 'report' || m === 'final') {
    // Hashing the state blocks this loop: only in the final report, after the loop delay is read.
    const cheap = {
      startRss, peakRss, rss: process.memoryUsage().rss, stats: node.driver.snapshotTransferStats, status: node.driver.status(),
      loopDelayMaxMs: loopDelay.max / 1e6, loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    };
    process.send?.(m === 'final' ? { ...cheap, digest: node.machine.digest() } : cheap);
  } else if (m === 'stop') {
    clearInterval(sampler);
    void node.stop().then(() => process.exit(0));
  }
});
process.send?.({ ready: true });
