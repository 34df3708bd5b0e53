import { describe, expect, it } from 'vitest';
import { simCluster } from '../helpers/sim-cluster.js';
import { isOffers, offersOf } from '../helpers/v1-client.js';
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
