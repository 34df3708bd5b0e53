import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, waitFor } from '../helpers/process.js';
import { MasterNode, benchWrite, cli, servingLeader } from '../helpers/masters.js';

// A master removed from the cluster stops serving and exits 0 with a clear log line, instead
// of answering 503 forever: a removed follower, a leader that removes itself, and a removed
// master started again on its data directory. Real processes on 127.0.7.31-33.

const REMOVED = 'this master was removed from the cluster; exiting';

async function exitOf(n: MasterNode, timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const p = n.proc!;
  const done = await Promise.race([p.exited, new Promise<null>((r) => setTimeout(() => r(null), timeoutMs).unref())]);
  if (!done) throw new Error(`${n.id} did not exit within ${timeoutMs} ms:\n${p.output()}`);
  return done;
}

describe('a removed master (multi-process)', () => {
  const nodes: MasterNode[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((m) => m.kill()));
  });

  it('exits 0 with a clear log line: a removed follower, a leader removing itself, and a removed data directory started again', async () => {
    const port = await freePort('127.0.7.31');
    for (let i = 31; i <= 33; i++) nodes.push(new MasterNode(`127.0.7.${i}`, port));
    const peers = nodes.map((n) => n.id);
    for (const n of nodes) n.start(peers);
    const leader = await servingLeader(nodes, 30_000);
    await benchWrite(leader);
    const [follower, other] = nodes.filter((n) => n !== leader) as [MasterNode, MasterNode];

    // The admin credential is written once the cluster CA is bootstrapped, a moment after the first election.
    await waitFor('the admin credential', () => (fs.existsSync(path.join(leader.dataDir, 'master', 'tls', 'admin.json')) ? true : undefined), 30_000);
    const r = await cli(['masters', 'remove', follower.id, '--master', leader.url, '--data-dir', leader.dataDir]);
    expect(r.code, r.out).toBe(0);
    expect(await exitOf(follower), follower.output()).toEqual({ code: 0, signal: null });
    expect(follower.output()).toContain(REMOVED);

    // The leader removes itself: it exits 0 and the last member leads alone.
    await cli(['masters', 'remove', leader.id, '--master', leader.url, '--data-dir', leader.dataDir]);
    expect(await exitOf(leader), leader.output()).toEqual({ code: 0, signal: null });
    expect(leader.output()).toContain(REMOVED);
    const last = await servingLeader([other], 30_000);
    expect((await last.status())?.voters).toEqual([other.id]);
    expect(await benchWrite(last)).toBeGreaterThan(0);

    // Started again on its data directory, the removed follower exits at once, saying why.
    follower.start(peers);
    expect(await exitOf(follower), follower.output()).toEqual({ code: 0, signal: null });
    expect(follower.output()).toMatch(/removed from the cluster earlier/);
    expect((await last.status())?.voters).toEqual([other.id]);
  });
});
