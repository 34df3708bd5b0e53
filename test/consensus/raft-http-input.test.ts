import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueNodeKeyAndCertificate, type KeyAndCert } from '../../src/security/ca.js';
import { resolveUpConfig } from '../../src/cli/up-config.js';
import { startMaster, type RunningRole } from '../../src/roles/master.js';
import { silentLogger } from '../../src/lib/log.js';
import { freePort, tempDir, waitFor } from '../helpers/process.js';

// Raft's HTTP surface (/tsmesos/raft/v1/*) under malformed, oversized and hostile input:
// a 4xx with {code, message} (or a dropped peer stream), never a crash, and the node keeps leading.
// The input is sent by a peer that passes authentication (mutual TLS with a master certificate
// of the cluster, named after the sender it claims): what a buggy or compromised master could
// send. Plain HTTP is refused before any body is read.

const PEER = '127.0.0.9:1';
let master: RunningRole;
let base = '';
let port = 0;
let caPem = '';
let peer: KeyAndCert;
beforeAll(async () => {
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const dataDir = tempDir();
  master = await startMaster(resolveUpConfig({ role: 'master', dataDir, port: String(port), marathonPort: '0' }, {}), silentLogger);
  await waitFor('leadership', async () => ((await (await fetch(`${base}/tsmesos/raft/v1/status`)).json()) as { role: string }).role === 'leader' || undefined);
  const tls = path.join(dataDir, 'master', 'tls');
  await waitFor('the cluster CA', () => (fs.existsSync(path.join(tls, 'admin.json')) ? true : undefined));
  caPem = fs.readFileSync(path.join(tls, 'ca.crt'), 'utf8');
  peer = await issueNodeKeyAndCertificate({ ca: { certPem: caPem, keyPem: fs.readFileSync(path.join(tls, 'ca.key'), 'utf8') }, role: 'master', name: PEER, ips: ['127.0.0.9'], now: Date.now() });
});
afterAll(async () => {
  await master.stop();
});

interface Answer { status: number; code?: string; message?: string }

/** A POST over mutual TLS as the master PEER (the body written in one piece or as `chunks`). */
function post(p: string, body: string | Uint8Array | string[], headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, path: p, method: 'POST', ca: caPem, cert: peer.certPem, key: peer.keyPem, checkServerIdentity: () => undefined,
      headers: { 'Content-Type': 'application/json', ...headers },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('error', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('end', () => {
        let json: { code?: string; message?: string } = {};
        try {
          json = JSON.parse(text) as typeof json;
        } catch {
          json = {};
        }
        resolve({ status: res.statusCode ?? 0, ...json });
      });
    });
    req.on('error', reject);
    if (Array.isArray(body)) {
      for (const c of body.slice(0, -1)) req.write(c);
      req.end(body.at(-1));
    } else {
      req.end(body);
    }
  });
}

describe('raft endpoints refuse plain HTTP once the cluster has a CA', () => {
  it.each(['/tsmesos/raft/v1/messages', '/tsmesos/raft/v1/stream', '/tsmesos/raft/v1/members'])('%s over plain HTTP -> 401', async (p) => {
    const res = await fetch(`${base}${p}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Tsmesos-Raft-From': PEER }, body: '{"from":"127.0.0.9:1","messages":[]}' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 'UNAUTHORIZED', message: expect.stringContaining('mutual TLS') as unknown });
  });
});

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
    const r = await post('/tsmesos/raft/v1/stream', ['{"this is":"not a raft message"}\n', '\u0000\u0001 binary garbage \n'], { 'X-Tsmesos-Raft-From': PEER });
    expect([200, 400]).toContain(r.status);
  });

  it('forged messages from a non-member at a higher term do not depose the leader', async () => {
    const forged = { from: '127.0.0.9:1', messages: [{ type: 'heartbeat', from: '127.0.0.9:1', to: 'x', term: 999, logTerm: 0, index: 0, commit: 0, entries: [], reject: false, rejectHint: 0, context: '' }] };
    const r = await post('/tsmesos/raft/v1/messages', JSON.stringify(forged));
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
