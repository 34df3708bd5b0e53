import type { MasterContext } from './context.js';
import type { FrameworkView } from './state.js';

// Inverse offers (Mesos maintenance primitives, HierarchicalAllocatorProcess::
// generateInverseOffers): while an agent's machine is in a maintenance window, every active
// framework holding resources there (tasks or offers) is asked, once at a time, to give all of
// it back before the window starts. Its answer (ACCEPT or DECLINE) is recorded for the
// maintenance status and filters further inverse offers for the agent for `refuse_seconds`.
// A change of the agent's window rescinds the outstanding ones and forgets answers and
// filters: frameworks must judge the new window afresh (as Mesos does).

export interface Unavailability {
  startNs: number;
  durationNs: number | null;
}

export interface InverseOfferEntry {
  id: string;
  frameworkId: string;
  agentId: string;
  unavailability: Unavailability;
}

export interface InverseOfferStatus {
  status: 'ACCEPT' | 'DECLINE';
  frameworkId: string;
  /** Seconds since the epoch (wall clock) of the answer. */
  at: number;
}

interface AgentMaintenance {
  unavailability: Unavailability;
  statuses: Map<string, InverseOfferStatus>;
  /** Per framework: no inverse offer for this agent before this monotonic ms. */
  filters: Map<string, number>;
}

const pairKey = (frameworkId: string, agentId: string): string => `${frameworkId}\u0000${agentId}`;
const same = (a: Unavailability, b: Unavailability): boolean => a.startNs === b.startNs && a.durationNs === b.durationNs;

export class InverseOffers {
  private readonly outstanding = new Map<string, InverseOfferEntry>();
  /** The outstanding one per framework and agent (a run asks for each pair). */
  private readonly byPair = new Map<string, InverseOfferEntry>();
  private readonly agents = new Map<string, AgentMaintenance>();

  constructor(
    private readonly ctx: MasterContext,
    /** The window of the agent's machine, or null when it is not scheduled for maintenance (or is DOWN). */
    private readonly unavailabilityOf: (agentId: string) => Unavailability | null,
  ) {}

  /** After each allocation run: rescind what no longer holds, then send what is due. */
  run(): void {
    const now = this.ctx.clock.monotonic();
    for (const agentId of [...this.agents.keys()]) {
      const u = this.ctx.state.agents.has(agentId) ? this.unavailabilityOf(agentId) : null;
      const m = this.agents.get(agentId)!;
      if (u !== null && same(u, m.unavailability)) continue;
      this.agents.delete(agentId);
      this.rescindWhere((io) => io.agentId === agentId);
    }
    const made = new Map<string, InverseOfferEntry[]>();
    for (const agentId of [...this.ctx.state.agents.keys()].sort()) {
      const u = this.unavailabilityOf(agentId);
      if (u === null) continue;
      let m = this.agents.get(agentId);
      if (!m) {
        m = { unavailability: u, statuses: new Map(), filters: new Map() };
        this.agents.set(agentId, m);
      }
      for (const frameworkId of this.ctx.ledger.frameworksOnAgent(agentId)) {
        const fw = this.ctx.state.frameworks.get(frameworkId);
        if (!fw || !fw.active || fw.stream === null) continue;
        if (this.byPair.has(pairKey(frameworkId, agentId))) continue;
        if ((m.filters.get(frameworkId) ?? -Infinity) > now) continue;
        const io: InverseOfferEntry = { id: this.ctx.ids.offer(), frameworkId, agentId, unavailability: u };
        this.outstanding.set(io.id, io);
        this.byPair.set(pairKey(frameworkId, agentId), io);
        const list = made.get(frameworkId) ?? [];
        list.push(io);
        made.set(frameworkId, list);
      }
    }
    for (const [frameworkId, inverseOffers] of [...made].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      this.ctx.events.emit({ type: 'INVERSE_OFFERS_MADE', frameworkId, inverseOffers });
    }
  }

  /**
   * ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS. Ids that are not this framework's
   * outstanding inverse offers are ignored, as Mesos ignores stale ones.
   */
  answer(fw: FrameworkView, ids: readonly string[], status: InverseOfferStatus['status'], refuseSeconds: number): void {
    const now = this.ctx.clock.monotonic();
    for (const id of ids) {
      const io = this.outstanding.get(id);
      if (!io || io.frameworkId !== fw.id) continue;
      this.drop(io);
      const m = this.agents.get(io.agentId);
      if (!m) continue;
      m.statuses.set(fw.id, { status, frameworkId: fw.id, at: this.ctx.clock.now() / 1000 });
      m.filters.set(fw.id, now + Math.min(refuseSeconds, 365 * 86_400) * 1000);
    }
    this.ctx.requestAllocation();
  }

  /** A framework left or subscribed again: its outstanding inverse offers are void (Mesos tells it nothing). */
  forgetFramework(frameworkId: string): void {
    for (const io of [...this.outstanding.values()]) if (io.frameworkId === frameworkId) this.drop(io);
  }

  /** Answers recorded for the agent's current window (GET_MAINTENANCE_STATUS). */
  statusesOf(agentId: string): InverseOfferStatus[] {
    return [...(this.agents.get(agentId)?.statuses.values() ?? [])].sort((a, b) => (a.frameworkId < b.frameworkId ? -1 : 1));
  }

  private drop(io: InverseOfferEntry): void {
    this.outstanding.delete(io.id);
    this.byPair.delete(pairKey(io.frameworkId, io.agentId));
  }

  private rescindWhere(pred: (io: InverseOfferEntry) => boolean): void {
    for (const io of [...this.outstanding.values()].filter(pred).sort((a, b) => (a.id < b.id ? -1 : 1))) {
      this.drop(io);
      this.ctx.events.emit({ type: 'INVERSE_OFFER_RESCINDED', frameworkId: io.frameworkId, inverseOfferId: io.id });
    }
  }
}
