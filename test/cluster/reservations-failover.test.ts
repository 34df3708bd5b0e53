import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { freePort, getJson, tempDir, tsmesos, waitFor, type Proc } from '../helpers/process.js';
import { MasterNode, servingLeader } from '../helpers/masters.js';
import { operatorCall } from '../helpers/operator-client.js';
import { V1Scheduler, isOffers, offersOf } from '../helpers/v1-client.js';

// Dynamic reservations are in the Raft-replicated registry: three master processes on
// 127.0.12.1-3 and an agent on 127.0.12.9 (addresses no other test file uses). The operator
// reserves through the leader; the leader is killed; the new leader shows the reservation as soon
// as the agent is back and offers it to the role only, and can still unreserve it.

const MASTER_IPS = ['127.0.12.1', '127.0.12.2', '127.0.12.3'];
const AGENT_IP = '127.0.12.9';
// Its agent connects over plain HTTP (the test is about the reservations, not the agent's transport).
const MASTER_ARGS = ['--heartbeat-interval', '100ms', '--election-timeout', '1secs', '--agent-tls', 'optional'];

interface SlaveJson { id: string; active: boolean; reserved_resources: Record<string, Record<string, number>>; unreserved_resources: Record<string, number> }
const slaves = async (m: MasterNode): Promise<SlaveJson[]> => {
  const r = await getJson(`${m.url}/master/state`);
  if (r.status !== 200) throw new Error(`/master/state on ${m.id} answered ${r.status}`);
  return (r.body as { slaves: SlaveJson[] }).slaves;
};
const dynamic = (name: string, value: number, role: string): Record<string, unknown> => ({ name, type: 'SCALAR', scalar: { value }, role, reservation: { principal: 'ops' } });

describe('dynamic reservations across a master failover (multi-process)', () => {
  const clients: V1Scheduler[] = [];
  let masters: MasterNode[] = [];
  let agent: Proc | null = null;

  afterAll(async () => {
    for (const c of clients) c.close();
    agent?.kill('SIGKILL');
    await agent?.exited;
    await Promise.all(masters.map((m) => m.kill()));
  });

  it('a new leader keeps the reservations, offers them to the role only, and can unreserve them', async () => {
    onTestFailed(() => {
      for (const m of masters) console.log(`--- master ${m.id} ---\n${m.output().slice(-15_000)}`);
      console.log(`--- agent ---\n${agent?.output().slice(-15_000) ?? ''}`);
    });
    const port = await freePort(MASTER_IPS[0]);
    masters = MASTER_IPS.map((ip) => new MasterNode(ip, port));
    const peers = masters.map((m) => m.id);
    for (const m of masters) m.start(peers, MASTER_ARGS);
    const leader = await servingLeader(masters, 40_000);
    const agentPort = await freePort(AGENT_IP);
    agent = tsmesos(['up', '--role', 'agent', '--ip', AGENT_IP, '--port', String(agentPort), '--data-dir', tempDir('tsmesos-rsv-agent-'),
      '--master', peers.join(','), '--resources', 'cpus:2;mem:512;disk:64;ports:[31000-31001]']);
    const agentId = await waitFor('the agent registers', async () => (await slaves(leader)).find((a) => a.active)?.id, 40_000);

    const reserve = { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agentId }, resources: [dynamic('cpus', 1, 'eng'), dynamic('mem', 128, 'eng')] } };
    expect((await operatorCall(leader.url, reserve)).status).toBe(202);

    await leader.kill();
    const rest = masters.filter((m) => m !== leader);
    const next = await servingLeader(rest, 40_000);
    const back = await waitFor('the agent reregisters with the new leader', async () => (await slaves(next)).find((a) => a.active && a.id === agentId), 60_000);
    expect(back.reserved_resources['eng']).toMatchObject({ cpus: 1, mem: 128 });
    expect(back.unreserved_resources).toMatchObject({ cpus: 1, mem: 384 });

    const eng = new V1Scheduler(next.url);
    clients.push(eng);
    expect((await eng.subscribe({ user: 'root', name: 'eng', roles: ['eng'], capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }] })).type).toBe('SUBSCRIBED');
    const offer = offersOf<{ resources: { name: string; reservations?: { type: string; role: string }[]; scalar?: { value: number } }[] }>(await eng.next(isOffers, 30_000))[0]!;
    const reservedCpus = offer.resources.filter((r) => r.name === 'cpus' && r.reservations?.at(-1)?.type === 'DYNAMIC');
    expect(reservedCpus.map((r) => [r.reservations, r.scalar?.value])).toEqual([[[{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }], 1]]);

    const unreserve = { type: 'UNRESERVE_RESOURCES', unreserve_resources: reserve.reserve_resources };
    expect((await operatorCall(next.url, unreserve)).status).toBe(202);
    expect((await slaves(next)).find((a) => a.id === agentId)!.reserved_resources).toEqual({});
  });
});
