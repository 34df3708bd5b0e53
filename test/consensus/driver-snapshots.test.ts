import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { seededRng } from '../../src/lib/rng.js';
import { createLogger } from '../../src/lib/log.js';
import { freePort, tempDir, waitFor } from '../helpers/process.js';
import { proposeOnLeader, startBlobNode, type BlobDriverOptions, type BlobNode } from './blob-cluster.js';

// A follower far behind catches up from a large snapshot that travels in chunks, over the
// real HTTP transport, into real SQLite files. bench/raft-snapshot.ts does the same with
// 200 MB and measures time, heartbeats and memory.

const nodes: BlobNode[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.stop();
});

async function behindFollowerCatchesUp(opts: BlobDriverOptions, blobs: number, blobBytes: number) {
  const ids = [await freePort(), await freePort(), await freePort()].map((p) => `127.0.0.1:${p}`);
  const dirs = ids.map(() => tempDir('tsmesos-snapshot-'));
  const options: BlobDriverOptions = { compactEvery: 8, compactKeep: 2, ...opts };
  for (let i = 0; i < 2; i++) nodes.push(await startBlobNode(ids[i]!, ids, dirs[i]!, options));
  const rng = seededRng(blobs);
  for (let i = 0; i < blobs; i++) await proposeOnLeader(nodes, new Uint8Array(rng.bytes(blobBytes)));
  const leader = await waitFor('a leader', () => nodes.find((n) => n.driver.leaderReady()), 10_000, 10);
  await waitFor('the leader compacted its log', () => (leader.driver.status().snapshotIndex > 8 ? true : undefined), 10_000, 10);
  // The third member starts with nothing: the entries it needs are gone from every log.
  const late = await startBlobNode(ids[2]!, ids, dirs[2]!, options);
  nodes.push(late);
  const want = leader.machine.digest();
  await waitFor('the late member has the whole state', () => (late.machine.digest().sha256 === want.sha256 ? true : undefined), 90_000, 50);
  expect(late.machine.digest()).toEqual(want);
  expect(want.count).toBe(blobs);
  // It then follows by log again.
  const after = await proposeOnLeader(nodes, new Uint8Array(rng.bytes(100)));
  await waitFor('the late member applies new entries', () => (late.machine.appliedIndex() >= after ? true : undefined), 20_000, 10);
  return { late, dir: dirs[2]! };
}

describe('chunked snapshot transfer between drivers', () => {
  it('a member far behind installs a 24 MB snapshot sent in 256 KiB chunks, staged in a file that is gone afterwards', async () => {
    const chunk = 256 << 10;
    const { late, dir } = await behindFollowerCatchesUp({ snapshotChunkBytes: chunk, snapshotWindow: 4 }, 48, 512 << 10);
    const stats = late.driver.snapshotTransferStats;
    expect(stats.snapshotsReceived).toBeGreaterThanOrEqual(1);
    expect(stats.lastSnapshotBytes).toBeGreaterThan(16 << 20);
    expect(stats.chunksReceived).toBeGreaterThanOrEqual(Math.ceil(stats.lastSnapshotBytes / chunk));
    expect(late.driver.status().snapshotIndex).toBeGreaterThan(8);
    expect(fs.readdirSync(dir).filter((f) => f.includes('incoming-snapshot'))).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'blobs.db'))).toBe(true);
  });

  it('converges when chunks and acks are lost, duplicated and reordered on the wire', async () => {
    const faults = { drop: 0.05, duplicate: 0.1, delayMs: 10 };
    const { late } = await behindFollowerCatchesUp({ snapshotChunkBytes: 64 << 10, snapshotWindow: 3, faults }, 24, 256 << 10);
    expect(late.driver.snapshotTransferStats.snapshotsReceived).toBeGreaterThanOrEqual(1);
  });
});

describe('a leader whose process is gone', () => {
  it('its followers see its port refuse connections and elect a new leader without waiting out the election timeout', async () => {
    const ids = [await freePort(), await freePort(), await freePort()].map((p) => `127.0.0.1:${p}`);
    const lines: string[] = [];
    const logger = createLogger('info', 'test', (l) => void lines.push(l));
    // A long election timeout: the early path is the only way to a new leader within the wait below.
    const opts: BlobDriverOptions = { heartbeatIntervalMs: 50, electionTimeoutMs: 30_000, logger };
    for (const id of ids) nodes.push(await startBlobNode(id, ids, tempDir('tsmesos-gone-'), opts));
    nodes[0]!.driver.raft.campaign(); // nobody would campaign for 30 s otherwise
    const leader = await waitFor('a leader', () => nodes.find((n) => n.driver.leaderReady()), 10_000, 10);
    await proposeOnLeader(nodes, new Uint8Array([1]));
    await waitFor('followers know the leader', () => (nodes.every((n) => n.driver.leaderId() === leader.id) ? true : undefined), 10_000, 10);
    // Gone as a killed process is: the port closes, then its streams break.
    await leader.server.close();
    await leader.stop();
    const rest = nodes.filter((n) => n !== leader);
    const next = await waitFor('a new leader', () => rest.find((n) => n.driver.leaderReady()), 15_000, 10);
    expect(next.driver.status().term).toBeGreaterThan(leader.driver.status().term);
    expect(lines.some((l) => l.includes('campaigning early'))).toBe(true);
    await next.driver.propose(new Uint8Array([2]));
  });
});
