import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, tempDir, tsmesos, waitFor, waitForActiveAgent } from '../helpers/process.js';
import { MasterNode, cli, servingLeader } from '../helpers/masters.js';
import { formatJoinToken, parseJoinToken } from '../../src/security/join-token.js';

// Two masters: the CA the leader created reaches the follower through the registry, so the
// follower serves the same CA, writes the same admin credential, and sends a join to the leader.

describe('join tokens on an HA pair of masters (real processes)', () => {
  it('the follower serves the replicated CA and admin credential; a join through it is redirected to the leader over TLS', async () => {
    const nodes = [new MasterNode('127.0.1.61', await freePort('127.0.1.61')), new MasterNode('127.0.1.62', await freePort('127.0.1.62'))];
    for (const n of nodes) n.start(nodes.map((m) => m.id));
    const leader = await servingLeader(nodes, 30_000);
    const follower = nodes.find((n) => n !== leader)!;
    const adminOf = (n: MasterNode): string => path.join(n.dataDir, 'master', 'tls', 'admin.json');
    await waitFor('both masters to hold the CA', () => (nodes.every((n) => fs.existsSync(adminOf(n))) ? true : undefined), 30_000);
    const caOf = (n: MasterNode): string => fs.readFileSync(path.join(n.dataDir, 'master', 'tls', 'ca.crt'), 'utf8');
    expect(caOf(follower)).toBe(caOf(leader));
    const tokenOf = (n: MasterNode): string => (JSON.parse(fs.readFileSync(adminOf(n), 'utf8')) as { token: string }).token;
    expect(tokenOf(follower)).toBe(tokenOf(leader));

    // Created with the follower's data dir: the request goes to the follower and is redirected to the leader.
    const created = await cli(['token', 'create', '--data-dir', follower.dataDir, '--uses', '1']);
    expect(created.code, created.out).toBe(0);
    const token = parseJoinToken(created.out.split('\n').find((l) => l.startsWith('TSM1.'))!);
    expect(token.masters.map((m) => `${m.host}:${m.port}`).sort()).toEqual(nodes.map((n) => n.id).sort());
    const viaFollower = formatJoinToken({ ...token, masters: [{ host: follower.ip, port: follower.port }] });
    const agentIp = '127.0.1.63';
    const agent = tsmesos(['join', viaFollower, '--data-dir', tempDir(), '--ip', agentIp, '--port', String(await freePort(agentIp))]);
    await waitForActiveAgent(leader.url, 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${agent.output()}`);
    });
    expect(agent.output()).toContain('"masterChannel":"mutual TLS"');
    for (const n of nodes) await n.kill('SIGTERM');
  });
});
