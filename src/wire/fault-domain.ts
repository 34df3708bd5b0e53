import { TsmesosError } from '../domain/errors.js';
import { decode } from './codec.js';
import { DomainInfo } from './mesos.js';

// Fault domains (Mesos --domain): a master and its agents each say which region and zone they
// are in. Agents in another region than the master's are "remote": only REGION_AWARE
// frameworks are offered their resources (HierarchicalAllocatorProcess::isRemoteSlave).

export type { DomainInfo };

/**
 * `--domain`: the JSON of a DomainInfo, as Mesos takes it, e.g.
 * {"fault_domain":{"region":{"name":"eu-1"},"zone":{"name":"eu-1a"}}}. A fault domain is required
 * (Mesos refuses to start with a domain that has none), with non-empty names.
 */
export function parseDomain(text: string): DomainInfo {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TsmesosError('BAD_REQUEST', `expected the JSON of a DomainInfo: ${e instanceof Error ? e.message.slice(0, 120) : String(e)}`);
  }
  const d = decode(DomainInfo, json, 'domain');
  const fd = d.fault_domain;
  if (fd === undefined) throw new TsmesosError('BAD_REQUEST', 'domain: a fault_domain with a region and a zone is required');
  if (fd.region.name.trim() === '' || fd.zone.name.trim() === '') throw new TsmesosError('BAD_REQUEST', 'domain: the region and zone names must not be empty');
  return d;
}

/** True when the agent is in a region other than the master's (an agent without a fault domain is local). */
export function isRemote(agent: DomainInfo | undefined, master: DomainInfo | undefined): boolean {
  const a = agent?.fault_domain?.region.name;
  const m = master?.fault_domain?.region.name;
  return a !== undefined && m !== undefined && a !== m;
}
