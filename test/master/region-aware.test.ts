import { describe, expect, it } from 'vitest';
import { simCluster } from '../helpers/sim-cluster.js';
import { isOffers, offersOf, updateOf } from '../helpers/v1-client.js';
import { operatorGet, type Json } from '../helpers/operator-client.js';
import { resolveUpConfig } from '../../src/cli/up-config.js';

// Fault domains and REGION_AWARE (Mesos --domain; HierarchicalAllocatorProcess::isRemoteSlave),
// against a real master and agent on loopback: an agent in another region than the master is
// offered to REGION_AWARE frameworks only, its offers carry its domain, and a master without a
// domain refuses an agent that has one.

const domain = (region: string, zone = `${region}a`): string => JSON.stringify({ fault_domain: { region: { name: region }, zone: { name: zone } } });
const parsed = (region: string): Json => JSON.parse(domain(region)) as Json;

describe('fault domains', () => {
  it('an agent in a remote region is offered to REGION_AWARE frameworks only, with its domain in the offer', async () => {
    const c = await simCluster({ flags: { domain: domain('eu-1') }, agentFlags: { domain: domain('us-2') } });
    const plain = await c.scheduler({ name: 'plain' });
    const aware = await c.scheduler({ name: 'aware', capabilities: [{ type: 'REGION_AWARE' }] });
    const offer = offersOf<Json>(await aware.next(isOffers))[0]!;
    expect(offer['domain']).toEqual(parsed('us-2'));
    await c.advance(10_000);
    await plain.barrier();
    expect(plain.takeAll(isOffers)).toEqual([]);
    // The master says where it is; GET_AGENTS says where the agent is.
    const master = (await operatorGet(c.master, 'GET_MASTER'))['get_master'] as { master_info: Json };
    expect(master.master_info['domain']).toEqual(parsed('eu-1'));
    const agents = ((await operatorGet(c.master, 'GET_AGENTS'))['get_agents'] as { agents: { agent_info: Json }[] }).agents;
    expect(agents[0]!.agent_info['domain']).toEqual(parsed('us-2'));
  });

  it('an agent in the master\'s region is offered to every framework', async () => {
    const c = await simCluster({ flags: { domain: domain('eu-1') }, agentFlags: { domain: domain('eu-1', 'eu-1b') } });
    const plain = await c.scheduler({ name: 'plain' });
    expect(offersOf<Json>(await plain.next(isOffers))[0]!['domain']).toEqual(JSON.parse(domain('eu-1', 'eu-1b')));
  });

  it('a master without a domain refuses an agent that has one', async () => {
    const c = await simCluster({ agent: false, agentFlags: { domain: domain('us-2') } });
    await expect(c.startAgent()).rejects.toThrow(/the agent to register/);
    expect((await c.state()).slaves).toEqual([]);
  });

  it('--require-agent-domain: an agent without a domain is refused (403 naming the flag), one with a domain registers', async () => {
    const c = await simCluster({ agent: false, flags: { domain: domain('eu-1'), requireAgentDomain: 'true' }, agentFlags: { domain: domain('eu-1', 'eu-1b') } });
    const subscribe = { type: 'SUBSCRIBE', subscribe: { agent_info: { hostname: 'h', port: 5051, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] }, ip: '127.0.0.9' } };
    const r = await c.fetch('/tsmesos/v1/agent', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(subscribe) });
    const body = (await r.json()) as { code: string; message: string };
    expect([r.status, body.code]).toEqual([403, 'FORBIDDEN']);
    expect(body.message).toMatch(/no fault domain .* --require-agent-domain/);
    await c.startAgent();
    expect((await c.state()).slaves).toHaveLength(1);
  });

  it('--require-agent-domain needs the master\'s own --domain; --max-completed-* take whole numbers', () => {
    expect(() => resolveUpConfig({ role: 'master', requireAgentDomain: 'true' }, {})).toThrow(/invalid --require-agent-domain true.*needs the master's own --domain/);
    expect(resolveUpConfig({ role: 'master', requireAgentDomain: 'true', domain: domain('eu-1') }, {}).requireAgentDomain).toBe(true);
    const cfg = resolveUpConfig({ role: 'master', maxCompletedFrameworks: '3', maxCompletedTasksPerFramework: '0' }, {});
    expect([cfg.maxCompletedFrameworks, cfg.maxCompletedTasksPerFramework]).toEqual([3, 0]);
    for (const bad of ['-1', '1.5', 'x', '9999999999']) {
      expect(() => resolveUpConfig({ role: 'master', maxCompletedFrameworks: bad }, {}), bad).toThrow(/invalid --max-completed-frameworks/);
    }
  });

  it('--max-completed-frameworks and --max-completed-tasks-per-framework bound what the state endpoints keep', async () => {
    const c = await simCluster({ flags: { maxCompletedFrameworks: '1', maxCompletedTasksPerFramework: '1' } });
    const s = await c.scheduler({ name: 'short-lived' });
    const offer = offersOf(await s.next(isOffers))[0]!;
    const task = (id: string): Json => ({ name: id, task_id: { value: id }, agent_id: offer.agent_id, command: { value: 'true' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }] });
    await s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('t1'), task('t2')] } }] } });
    const finished = new Set<string>();
    while (finished.size < 2) {
      const u = updateOf(await s.next((e) => e.type === 'UPDATE'));
      if (u.uuid) await s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: u.agent_id, task_id: u.task_id, uuid: u.uuid } });
      if (u.state === 'TASK_FINISHED') finished.add(u.task_id.value);
    }
    const fw = (await c.state()).frameworks.find((f) => f.id === s.frameworkId) as unknown as { completed_tasks: { id: string }[] };
    expect(fw.completed_tasks).toHaveLength(1);
    await s.call({ type: 'TEARDOWN' });
    const other = await c.scheduler({ name: 'second' });
    await other.call({ type: 'TEARDOWN' });
    await c.untilSettled('two frameworks torn down', async () => ((await c.state()).frameworks.length === 0 ? true : undefined));
    expect((await c.state()).completed_frameworks.map((f) => f.id)).toEqual([other.frameworkId]);
  });

  it('refuses a malformed --domain with a message naming the flag', () => {
    for (const [raw, why] of [
      ['not json', /invalid --domain.*JSON/],
      ['{}', /fault_domain with a region and a zone is required/],
      [JSON.stringify({ fault_domain: { region: { name: 'r' } } }), /zone/],
      [JSON.stringify({ fault_domain: { region: { name: '' }, zone: { name: 'z' } } }), /must not be empty/],
      [JSON.stringify({ fault_domain: { region: { name: 'x'.repeat(300) }, zone: { name: 'z' } } }), /name/],
    ] as const) {
      expect(() => resolveUpConfig({ role: 'master', domain: raw }, {}), raw.slice(0, 40)).toThrow(why);
    }
  });
});
