import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveUpConfig } from '../../src/cli/up-config.js';
import { silentLogger } from '../../src/lib/log.js';
import { startMaster, type RunningRole } from '../../src/roles/master.js';
import { freePort, stopAtEnd, tempDir, waitFor } from '../helpers/process.js';
import { operatorCall, operatorGet } from '../helpers/operator-client.js';

// Two real masters in this process (one Raft cluster over loopback HTTP, real clock): the
// follower answers GET_HEALTH, GET_FLAGS, GET_VERSION and GET_LOGGING_LEVEL itself, and a 307
// to the leader (Mesos: `Location: //host:port/api/v1`) for every leader-only call.

const dirs: string[] = [];
let masters: { url: string; role: RunningRole }[] = [];
let stop: () => Promise<void>;

beforeAll(async () => {
  const ports = [await freePort(), await freePort()];
  const peers = ports.map((p) => `127.0.0.1:${p}`).join(',');
  masters = await Promise.all(ports.map(async (port) => {
    const dataDir = tempDir('tsmesos-opfollower-');
    dirs.push(dataDir);
    const config = resolveUpConfig({ role: 'master', dataDir, ip: '127.0.0.1', port: String(port), marathonPort: '0', peers, heartbeatInterval: '50ms', electionTimeout: '300ms' }, {});
    return { url: `http://127.0.0.1:${port}`, role: await startMaster(config, silentLogger) };
  }));
  stop = stopAtEnd(async () => {
    for (const m of masters) await m.role.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
}, 30_000);
afterAll(() => stop());

async function leaderAndFollower(): Promise<{ leader: string; follower: string }> {
  return waitFor('a leader serving GET_STATE', async () => {
    const codes = await Promise.all(masters.map(async (m) => (await operatorCall(m.url, { type: 'GET_STATE' })).status));
    const li = codes.indexOf(200);
    return li >= 0 && codes[1 - li] === 307 ? { leader: masters[li]!.url, follower: masters[1 - li]!.url } : undefined;
  }, 15_000);
}

describe('operator API on a follower', () => {
  it('answers local calls itself and 307s leader-only calls to the leader', async () => {
    const { leader, follower } = await leaderAndFollower();
    for (const type of ['GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_LOGGING_LEVEL']) await operatorGet(follower, type);
    const flags = (await operatorGet(follower, 'GET_FLAGS'))['get_flags'] as { flags: { name: string; value?: string }[] };
    expect(flags.flags.find((f) => f.name === 'port')?.value).toBe(new URL(follower).port);
    for (const body of [{ type: 'GET_STATE' }, { type: 'GET_TASKS' }, { type: 'GET_METRICS' }, { type: 'SUBSCRIBE' }, { type: 'TEARDOWN', teardown: { framework_id: { value: 'f' } } }]) {
      const r = await operatorCall(follower, body);
      expect([body.type, r.status]).toEqual([body.type, 307]);
      expect(r.location).toBe(`//${new URL(leader).host}/api/v1`);
    }
    // Decoding comes first: a malformed call is a 400 on any master.
    expect((await operatorCall(follower, '{"type":"NOPE"}')).status).toBe(400);
    for (const path of ['/master/tasks', '/master/state-summary', '/master/roles']) {
      expect([path, (await fetch(`${follower}${path}`, { redirect: 'manual' })).status]).toEqual([path, 307]);
    }
    expect((await fetch(`${follower}/master/flags`)).status).toBe(200);
    await operatorGet(leader, 'GET_STATE');
  }, 30_000);
});
