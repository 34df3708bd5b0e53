import { TsmesosError } from '../domain/errors.js';
import { parseResourceList, Resources, showText } from '../domain/resources.js';
import { allDynamic, applyReserve, applyUnreserve, dynamicPart, reserveSource, type ReservationOutcome } from '../domain/reservations.js';
import type { Resource as WireResource } from '../wire/mesos.js';
import type { Agents } from './agents.js';
import type { MasterContext } from './context.js';
import type { OfferBook } from './offers.js';
import type { AgentView } from './state.js';

// Dynamic reservations (Mesos RESERVE / UNRESERVE), from the operator (RESERVE_RESOURCES,
// /master/reserve) or from a framework's ACCEPT. The master owns them: they change in memory at
// once (the agent's total follows, so no allocation in between offers the old resources) and are
// then written to the registry, one whole value per agent, in the order they were made.

export type ReservationKind = 'RESERVE' | 'UNRESERVE';

const bad = (message: string): never => {
  throw new TsmesosError('BAD_REQUEST', message);
};

/**
 * A RESERVE or UNRESERVE operation's resources, validated as Mesos validation.cpp does for
 * both callers: well-formed, every one dynamically reserved; `allocatedTo` is the offer's role
 * for a framework (reservations are made to the role the resources were offered to), undefined
 * for the operator (who reserves unallocated resources only).
 */
export function operationResources(kind: ReservationKind, wire: readonly WireResource[], where: string, allocatedTo?: string): Resources {
  for (const [i, r] of wire.entries()) {
    const allocation = r.allocation_info?.role;
    if (allocatedTo === undefined && r.allocation_info !== undefined) {
      bad(`${where}[${i}]: a ${kind} operation of the operator API takes unallocated resources only (no allocation_info)`);
    }
    if (allocatedTo !== undefined && allocation !== undefined && allocation !== allocatedTo) {
      bad(`${where}[${i}]: allocated to role '${showText(allocation)}', but the offer is for role '${showText(allocatedTo)}'`);
    }
    if (r.disk?.persistence !== undefined) bad(`${where}[${i}]: persistent volumes are not supported yet`);
  }
  const resources = Resources.of(parseResourceList(wire, where));
  for (const r of resources.toArray()) {
    const shown = Resources.of([r]).toString();
    if (!allDynamic(Resources.of([r]))) bad(`${where}: resource ${showText(shown, 200)} is not dynamically reserved`);
    if (kind === 'RESERVE' && allocatedTo !== undefined && r.role !== allocatedTo) {
      bad(`${where}: a reservation for role '${showText(r.role)}' was attempted on resources offered to role '${showText(allocatedTo)}'; a framework reserves for the role it was offered`);
    }
  }
  return resources;
}

/** The outcome of one operation on a pool (an offer's resources, or what is free on an agent). */
export function applyOperation(kind: ReservationKind, pool: Resources, resources: Resources): ReservationOutcome {
  return kind === 'RESERVE' ? applyReserve(pool, resources) : applyUnreserve(pool, resources);
}

export class Reservations {
  /** Registry writes, chained so the registry sees each agent's values in the order they were made. */
  private persisting: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: MasterContext,
    private readonly agents: () => Agents,
    private readonly offers: OfferBook,
  ) {}

  /**
   * RESERVE_RESOURCES / UNRESERVE_RESOURCES (and /master/reserve|unreserve): Mesos
   * Master::Http::_operation. Offers holding what the operation needs are rescinded, one at a
   * time, until it fits; what tasks use cannot be taken (409). Resolves once the registry has it.
   */
  async operate(kind: ReservationKind, agentId: string, wire: readonly WireResource[]): Promise<void> {
    const agent = this.registeredAgent(agentId);
    const resources = operationResources(kind, wire, `${kind === 'RESERVE' ? 'reserve' : 'unreserve'}_resources.resources`);
    const needed = kind === 'RESERVE' ? reserveSource(resources) : resources;
    const free = (): Resources => agent.total.subtract(this.ctx.ledger.usedOnAgent(agentId)).subtract(this.offeredOn(agentId));
    const offers = [...this.ctx.state.offers.values()].filter((o) => o.agentId === agentId).sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const o of offers) {
      if (free().contains(needed)) break;
      // Skip offers that hold none of what is needed (Mesos: rescinding them would not help).
      if (needed.subtract(o.resources).equals(needed)) continue;
      this.offers.rescind((x) => x.id === o.id);
      // Mesos rescinds these with default filters, so the allocator does not hand them straight back.
      this.offers.decline(o.frameworkId, o.agentId, o.resources, this.ctx.timings.defaultRefuseSeconds);
    }
    const outcome = applyOperation(kind, free(), resources);
    if (!outcome.ok) {
      const what = kind === 'RESERVE' ? 'reserve' : 'unreserve';
      throw new TsmesosError('CONFLICT', `Failed to ${what} on agent ${agentId}: ${showText(outcome.missing.toString(), 400)} ${kind === 'RESERVE' ? 'is not available (unreserved and not in use)' : 'is not reserved, or is in use'}`);
    }
    const next = applyOperation(kind, agent.total, resources);
    if (!next.ok) throw new TsmesosError('INTERNAL', 'a reservation that fits the free resources must fit the total');
    const before = agent.reservations;
    const after = dynamicPart(next.total);
    try {
      await this.commit(agentId, after);
    } catch (e) {
      // Not in the registry: undo it here too, unless something has changed the agent's reservations since.
      if (this.ctx.state.agents.get(agentId)?.reservations === after) this.agents().setReservations(agentId, before);
      throw e;
    }
  }

  /**
   * An ACCEPT's RESERVE or UNRESERVE, applied to the offer's resources (`pool`) by the caller;
   * this records the agent's new reservations. Persisted in the background: a registry failure
   * is logged (the master then stops leading, and the next leader has the last committed value).
   */
  fromOffer(agentId: string, kind: ReservationKind, resources: Resources): void {
    const agent = this.ctx.state.agents.get(agentId);
    if (!agent) return;
    const next = applyOperation(kind, agent.total, resources);
    if (!next.ok) {
      // The offer held them, so the total does too; anything else is a bug worth a log line, not a crash.
      this.ctx.logger.error('accepted reservation does not fit the agent total', { agent: agentId, kind, resources: resources.toString() });
      return;
    }
    this.commit(agentId, dynamicPart(next.total)).catch((e: unknown) => {
      this.ctx.logger.error('writing reservations to the registry failed', { agent: agentId, error: e instanceof Error ? e.message : String(e) });
    });
  }

  private registeredAgent(agentId: string): AgentView {
    const agent = this.ctx.state.agents.get(agentId);
    // Mesos looks among registered agents: recovered (not yet back) and unreachable ones are not.
    if (!agent || agent.recovered || agent.unreachableSince !== null) bad(`No agent found with specified ID ${showText(agentId)}`);
    return agent!;
  }

  private offeredOn(agentId: string): Resources {
    let sum = Resources.empty();
    for (const o of this.ctx.state.offers.values()) if (o.agentId === agentId) sum = sum.add(o.resources);
    return sum;
  }

  private commit(agentId: string, reservations: Resources): Promise<void> {
    this.agents().setReservations(agentId, reservations);
    this.ctx.requestAllocation();
    const write = this.persisting.then(async () => {
      await this.ctx.log.propose({ type: 'SET_AGENT_RESERVATIONS', agentId, reservations: reservations.toArray() });
    });
    this.persisting = write.catch(() => undefined);
    return write;
  }
}
