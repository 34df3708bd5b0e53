import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, waitFor, type Proc } from '../helpers/process.js';
import { netnsPair, requestIn, tsmesosIn, type NetnsHost } from '../helpers/netns.js';
import { createClusterCa, issueNodeKeyAndCertificate } from '../../src/security/ca.js';

// An impostor on the network (another host: a second network namespace, over a veth link)
// without a certificate of the cluster CA: it can neither vote, append, change the membership
// nor register an agent, whether it sends hand-made requests (plain HTTP, TLS without a client
// certificate, TLS with another cluster's) or runs a real `tsmesos up` pointed at the cluster.
// The cluster's term, membership, leader and agents stay as they were.

const PORT = 5050;

interface RaftStatus { id: string; role: string; term: number; voters: string[]; learners: string[] }

describe('an impostor without a cluster certificate (network namespaces, real processes)', () => {
  let a: NetnsHost;
  let b: NetnsHost;
  let master: Proc;
  const dataDir = tempDir();
  let id = '';
  let before: RaftStatus;
  const status = async (): Promise<RaftStatus> => JSON.parse((await requestIn(b, `http://${id}/tsmesos/raft/v1/status`)).body) as RaftStatus;

  beforeAll(async () => {
    ({ a, b } = netnsPair());
    id = `${a.ip}:${PORT}`;
    master = tsmesosIn(a, ['up', '--role', 'master', '--ip', a.ip, '--port', String(PORT), '--data-dir', dataDir]);
    await waitFor('the cluster CA', () => (fs.existsSync(path.join(dataDir, 'master', 'tls', 'admin.json')) ? true : undefined), 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${master.output()}`);
    });
    // its own certificate too (Raft refuses plain HTTP from then on)
    await waitFor('the master certificate', () => (fs.existsSync(path.join(dataDir, 'master', 'tls', 'node.crt')) ? true : undefined), 30_000);
    before = await status();
    expect(before).toMatchObject({ role: 'leader', voters: [id], learners: [] });
  });
  afterAll(() => master.kill('SIGKILL'));

  it('hand-made vote, pre-vote, append and membership requests are refused (401), plain, without a certificate or with a foreign one', async () => {
    const foreign = await createClusterCa(Date.now(), 'impostor CA');
    const impostorCert = await issueNodeKeyAndCertificate({ ca: foreign, role: 'master', name: `${b.ip}:${PORT}`, ips: [b.ip], now: Date.now() });
    const from = `${b.ip}:${PORT}`;
    const message = (type: string): string => JSON.stringify({ from, messages: [{ type, from, to: id, term: before.term + 100, index: 0, logTerm: before.term + 100, commit: 0, entries: [] }] });
    const ways = [
      { name: 'plain', url: `http://${id}`, opts: {} },
      { name: 'TLS without a certificate', url: `https://${id}`, opts: {} },
      { name: 'TLS with another CA\'s master certificate', url: `https://${id}`, opts: { client: impostorCert } },
    ];
    for (const way of ways) {
      for (const type of ['vote', 'preVote', 'append', 'heartbeat', 'timeoutNow']) {
        const r = await requestIn(b, `${way.url}/tsmesos/raft/v1/messages`, { ...way.opts, method: 'POST', headers: { 'Content-Type': 'application/json' }, body: message(type) });
        expect(r.status, `${way.name} ${type}: ${r.body}`).toBe(401);
      }
      const add = await requestIn(b, `${way.url}/tsmesos/raft/v1/members`, {
        ...way.opts, method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer not-the-admin' }, body: JSON.stringify({ action: 'add', address: from }),
      });
      expect(add.status, `${way.name} members: ${add.body}`).toBe(401);
      expect(JSON.parse(add.body)).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    const after = await status();
    expect(after).toMatchObject({ role: 'leader', term: before.term, voters: [id], learners: [] });
  });

  it('a real impostor master (`up --role master --peers` naming the cluster) is refused and changes nothing', async () => {
    const impostor = tsmesosIn(b, ['up', '--role', 'master', '--ip', b.ip, '--port', String(PORT), '--data-dir', tempDir(), '--peers', `${id},${b.ip}:${PORT}`, '--election-timeout', '300ms']);
    try {
      await waitFor('the impostor to be refused', () => (/a peer refused this master.*mutual TLS/.test(impostor.output()) ? true : undefined), 30_000).catch((e: unknown) => {
        throw new Error(`${String(e)}\n--- impostor ---\n${impostor.output()}`);
      });
      // It campaigned (its pre-votes were what the cluster refused): the cluster did not move.
      const after = await status();
      expect(after).toMatchObject({ role: 'leader', term: before.term, voters: [id], learners: [] });
    } finally {
      impostor.kill('SIGKILL');
    }
  });

  it('a real impostor agent (`up --role agent --master`, no token) is refused and never registers', async () => {
    const agent = tsmesosIn(b, ['up', '--role', 'agent', '--ip', b.ip, '--port', '5051', '--data-dir', tempDir(), '--master', id, '--resources', 'cpus:1;mem:128;disk:128']);
    try {
      await waitFor('the agent to be refused', () => (/the master refused this agent.*mutual TLS/.test(agent.output()) ? true : undefined), 30_000).catch((e: unknown) => {
        throw new Error(`${String(e)}\n--- agent ---\n${agent.output()}`);
      });
    } finally {
      agent.kill('SIGKILL');
    }
    // And by hand, with another cluster's agent certificate.
    const foreign = await createClusterCa(Date.now(), 'impostor CA');
    const cert = await issueNodeKeyAndCertificate({ ca: foreign, role: 'agent', name: 'impostor', ips: [b.ip], now: Date.now() });
    const r = await requestIn(b, `https://${id}/tsmesos/v1/agent`, { client: cert, method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'SUBSCRIBE', subscribe: {} }) });
    expect(r.status, r.body).toBe(401);
    const admin = (JSON.parse(fs.readFileSync(path.join(dataDir, 'master', 'tls', 'admin.json'), 'utf8')) as { token: string }).token;
    const caPem = fs.readFileSync(path.join(dataDir, 'master', 'tls', 'ca.crt'), 'utf8');
    const state = await requestIn(b, `https://${id}/master/state`, { caPem, headers: { Authorization: `Bearer ${admin}` } });
    expect(state.status).toBe(200);
    expect((JSON.parse(state.body) as { slaves: unknown[] }).slaves).toEqual([]);
  });
});
