import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveUpConfig } from '../../src/cli/up-config.js';
import { startMaster, type RunningRole } from '../../src/roles/master.js';
import { silentLogger } from '../../src/lib/log.js';
import { freePort, tempDir, waitFor } from '../helpers/process.js';

// Raft's HTTP surface (/tsmesos/raft/v1/*) under malformed, oversized and hostile input:
// a 4xx with {code, message} (or a dropped peer stream), never a crash, and the node keeps leading.

let master: RunningRole;
let base = '';
beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  master = await startMaster(resolveUpConfig({ role: 'master', dataDir: tempDir(), port: String(port), marathonPort: '0' }, {}), silentLogger);
  await waitFor('leadership', async () => ((await (await fetch(`${base}/tsmesos/raft/v1/status`)).json()) as { role: string }).role === 'leader' || undefined);
});
afterAll(async () => {
  await master.stop();
});

async function post(path: string, body: string | Uint8Array): Promise<{ status: number; code?: string; message?: string }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  const json = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  return { status: res.status, ...json };
}

/** One snapshotChunk message from a stranger, with `chunk` as given (JSON text). */
const chunkBatch = (chunk: string): string =>
  `{"from":"127.0.0.9:1","messages":[{"type":"snapshotChunk","from":"127.0.0.9:1","to":"x","term":1,"logTerm":0,"index":0,"commit":0,"entries":[],"reject":false,"rejectHint":0,"context":"","chunk":${chunk}}]}`;

describe('raft endpoints reject bad input', () => {
  it.each([
    ['/tsmesos/raft/v1/messages', '{"from":'],
    ['/tsmesos/raft/v1/messages', '[]'],
    ['/tsmesos/raft/v1/messages', '{"from":"127.0.0.9:1","messages":"nope"}'],
    ['/tsmesos/raft/v1/messages', '{"from":"127.0.0.9:1","messages":[{"type":"vote","term":"x"}]}'],
    ['/tsmesos/raft/v1/messages', '{"from":"127.0.0.9:1","messages":[{"type":"explode","from":"a","to":"b"}]}'],
    ['/tsmesos/raft/v1/members', '{"action":"add"}'],
    ['/tsmesos/raft/v1/members', '{"action":"promote-me","address":"127.0.0.9:5050"}'],
    ['/tsmesos/raft/v1/members', '{"action":"add","address":"not an address"}'],
    ['/tsmesos/raft/v1/members', 'null'],
    ['/tsmesos/raft/v1/messages', 'null'],
    ['/tsmesos/raft/v1/messages', '"a string"'],
    ['/tsmesos/raft/v1/messages', chunkBatch('null')],
    ['/tsmesos/raft/v1/messages', chunkBatch('{"index":1,"term":1,"confState":{"voters":[],"learners":[]},"total":-5,"offset":0,"data":""}')],
    ['/tsmesos/raft/v1/messages', chunkBatch('{"index":1,"term":1,"confState":{"voters":"x"},"total":5,"offset":0,"data":""}')],
  ])('%s %s -> 400', async (path, body) => {
    const r = await post(path, body);
    expect(r.status).toBe(400);
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.message?.length).toBeGreaterThan(0);
  });

  it('400 for a snapshot chunk larger than a chunk may be', async () => {
    const r = await post('/tsmesos/raft/v1/messages', chunkBatch(`{"index":1,"term":1,"confState":{"voters":[],"learners":[]},"total":1,"offset":0,"data":"${'A'.repeat(22 << 20)}"}`));
    expect(r.status).toBe(400);
    expect(r.message).toMatch(/chunk too large/);
  });

  it('413 for an oversized membership request', async () => {
    const r = await post('/tsmesos/raft/v1/members', JSON.stringify({ action: 'add', address: '127.0.0.9:5050', pad: 'x'.repeat(10 * 1024 * 1024) }));
    expect(r.status).toBe(413);
  });

  it('a peer stream without its sender header is refused; garbage on a stream only drops that stream', async () => {
    const noHeader = await post('/tsmesos/raft/v1/stream', 'x\n');
    expect(noHeader.status).toBe(400);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${base}/tsmesos/raft/v1/stream`, { method: 'POST', headers: { 'X-Tsmesos-Raft-From': '127.0.0.9:1' } }, (res) => {
        res.resume();
        res.on('close', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write('{"this is":"not a raft message"}\n');
      req.end('\u0000\u0001 binary garbage \n');
    });
    expect([200, 400, 401]).toContain(status);
  });

  it('forged messages from a non-member at a higher term do not depose the leader', async () => {
    const forged = { from: '127.0.0.9:1', messages: [{ type: 'heartbeat', from: '127.0.0.9:1', to: 'x', term: 999, logTerm: 0, index: 0, commit: 0, entries: [], reject: false, rejectHint: 0, context: '' }] };
    const r = await fetch(`${base}/tsmesos/raft/v1/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(forged) });
    expect(r.status).toBeLessThan(500);
    await new Promise((res) => setTimeout(res, 300));
    const s = (await (await fetch(`${base}/tsmesos/raft/v1/status`)).json()) as { role: string };
    // A message addressed to another node is not ours to act on; either way the node must stay healthy.
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect(['leader', 'follower', 'candidate', 'preCandidate']).toContain(s.role);
  });

  it('still leads and serves after all that', async () => {
    await waitFor('leadership', async () => ((await (await fetch(`${base}/tsmesos/raft/v1/status`)).json()) as { role: string }).role === 'leader' || undefined, 10_000);
    expect((await fetch(`${base}/master/state`)).status).toBe(200);
  });
});
