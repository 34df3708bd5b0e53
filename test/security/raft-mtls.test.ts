import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../helpers/process.js';
import { MasterNode, benchWrite, servingLeader } from '../helpers/masters.js';
import { createClusterCa, issueNodeKeyAndCertificate, type KeyAndCert } from '../../src/security/ca.js';

// Three founding masters (--peers) create the cluster CA over the plain HTTP of the bootstrap,
// then speak Raft over mutual TLS only: a plain-HTTP sender, a foreign certificate, an agent
// certificate and a master certificate sent under another master's name are all refused,
// while the quorum keeps committing and elects a new leader when the old one is killed.

const tlsOf = (n: MasterNode): string => path.join(n.dataDir, 'master', 'tls');
const read = (n: MasterNode, f: string): string => fs.readFileSync(path.join(tlsOf(n), f), 'utf8');

interface Answer { status: number; body: string }

/** One request to a master's Raft endpoint, plain or TLS (optionally presenting a client certificate). */
function raftRequest(n: MasterNode, p: string, opts: { headers?: Record<string, string>; body?: string; tls?: { caPem: string; client?: KeyAndCert } } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const common = {
      host: n.ip, port: n.port, path: `/tsmesos/raft/v1/${p}`, method: 'POST', localAddress: '127.0.0.1',
      headers: { 'Content-Type': 'application/json', ...opts.headers }, timeout: 5000,
    };
    const req = opts.tls
      ? https.request({ ...common, ca: opts.tls.caPem, checkServerIdentity: () => undefined, ...(opts.tls.client ? { cert: opts.tls.client.certPem, key: opts.tls.client.keyPem } : {}) })
      : http.request(common);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.end(opts.body ?? '');
  });
}

const oneAppend = (from: string, to: string): string => JSON.stringify({ from, messages: [{ type: 'app', from, to, term: 999, index: 0, logTerm: 0, commit: 0, entries: [] }] });

describe('Raft between masters over mutual TLS (real processes)', () => {
  it('refuses plain HTTP, foreign and non-master certificates once the cluster has a CA; the quorum keeps working', async () => {
    const nodes: MasterNode[] = [];
    for (const i of [71, 72, 73]) nodes.push(new MasterNode(`127.0.1.${i}`, await freePort(`127.0.1.${i}`)));
    for (const n of nodes) n.start(nodes.map((m) => m.id));
    // Every founder holds its master certificate (the CA waited for all three to follow).
    await waitFor('every master to hold its certificate', () => (nodes.every((n) => fs.existsSync(path.join(tlsOf(n), 'admin.json'))) ? true : undefined), 40_000);
    const leader = await servingLeader(nodes, 30_000);
    const before = await benchWrite(leader);
    const caPem = read(leader, 'ca.crt');
    for (const n of nodes) expect(read(n, 'ca.crt')).toBe(caPem);
    const [victim, other] = nodes.filter((n) => n !== leader) as [MasterNode, MasterNode];

    // Plain HTTP: refused before any body is read, with the reason.
    const plainStream = await raftRequest(victim, 'stream', { headers: { 'x-tsmesos-raft-from': leader.id, 'Content-Type': 'application/x-ndjson' }, body: '' });
    expect(plainStream.status).toBe(401);
    expect(plainStream.body).toContain('mutual TLS');
    const plainBatch = await raftRequest(victim, 'messages', { body: oneAppend(leader.id, victim.id) });
    expect(plainBatch.status).toBe(401);
    const plainMembers = await raftRequest(leader, 'members', { body: JSON.stringify({ action: 'add', address: '127.0.1.79:5050' }) });
    expect(plainMembers.status).toBe(401);
    expect((JSON.parse(plainMembers.body) as { code: string }).code).toBeTruthy();

    // TLS without a client certificate, with another cluster's master certificate, with this
    // cluster's agent certificate, and with a master certificate claiming another master's id.
    const noCert = await raftRequest(victim, 'messages', { tls: { caPem }, body: oneAppend(leader.id, victim.id) });
    expect(noCert.status).toBe(401);
    expect(noCert.body).toContain('no client certificate');
    const foreignCa = await createClusterCa(Date.now(), 'impostor CA');
    const foreign = await issueNodeKeyAndCertificate({ ca: foreignCa, role: 'master', name: leader.id, ips: [leader.ip], now: Date.now() });
    const foreignAnswer = await raftRequest(victim, 'messages', { tls: { caPem, client: foreign }, body: oneAppend(leader.id, victim.id) });
    expect(foreignAnswer.status).toBe(401);
    expect(foreignAnswer.body).toContain('not issued by this cluster');
    const realCa = { certPem: caPem, keyPem: read(leader, 'ca.key') };
    const agentCert = await issueNodeKeyAndCertificate({ ca: realCa, role: 'agent', name: '127.0.1.78:5051', ips: ['127.0.1.78'], now: Date.now() });
    const agentAnswer = await raftRequest(victim, 'messages', { tls: { caPem, client: agentCert }, body: oneAppend(leader.id, victim.id) });
    expect(agentAnswer.status).toBe(401);
    expect(agentAnswer.body).toContain('not a master certificate');
    const otherMaster = await issueNodeKeyAndCertificate({ ca: realCa, role: 'master', name: other.id, ips: [other.ip], now: Date.now() });
    const spoofed = await raftRequest(victim, 'stream', { tls: { caPem, client: otherMaster }, headers: { 'x-tsmesos-raft-from': leader.id, 'Content-Type': 'application/x-ndjson' } });
    expect(spoofed.status).toBe(401);
    expect(spoofed.body).toContain(`not ${leader.id}`);
    // The admin credential may change membership over plain HTTP (the CLI's `masters remove`); a wrong one may not.
    const wrongAdmin = await raftRequest(leader, 'members', { headers: { Authorization: 'Bearer AAAA' }, body: JSON.stringify({ action: 'remove', address: victim.id }) });
    expect(wrongAdmin.status).toBe(401);

    // Nothing of that moved the cluster: same leader, and it still commits.
    expect((await leader.status())?.role).toBe('leader');
    expect(await benchWrite(leader)).toBeGreaterThan(before);

    // Kill the leader: the other two elect a new one over mutual TLS (plain is refused by both) and commit.
    await leader.kill('SIGKILL');
    const next = await servingLeader([victim, other], 30_000);
    expect(await benchWrite(next)).toBeGreaterThan(before);
    for (const n of nodes) await n.kill('SIGTERM');
  });
});
