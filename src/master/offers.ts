import type { Resources } from '../domain/resources.js';
import type { MasterContext } from './context.js';
import { allocate } from './allocator/allocate.js';
import { allocationInput } from './allocation-input.js';
import type { OfferEntry, OfferFilter } from './state.js';
import type { ResourceLedger } from './ledger.js';
import type { Unavailability } from './inverse-offers.js';
import { ledgerDrift } from './ledger-check.js';

/** The slice of master state the offer book owns. */
export interface OfferSlice {
  offers: Map<string, OfferEntry>;
  filters: Map<string, OfferFilter[]>;
  /** Offers are counted in it as they are made and taken. */
  ledger: ResourceLedger;
}

/** The single committer of offers: only this module creates, rescinds or consumes them. */
export class OfferBook {
  /** Per outstanding offer, its --offer-timeout timer. */
  private readonly timeouts = new Map<string, { cancel(): void }>();

  constructor(
    private readonly ctx: MasterContext,
    private readonly own: OfferSlice,
    /** The maintenance window of an agent's machine, if any: its offers say so. */
    private readonly unavailabilityOf: (agentId: string) => Unavailability | null = () => null,
  ) {}

  /** The master stops leading: no offer timer outlives it. */
  stop(): void {
    for (const t of this.timeouts.values()) t.cancel();
    this.timeouts.clear();
  }

  /** One allocation cycle: offer every active agent's free resources in hierarchical DRF order. */
  runAllocation(): void {
    const now = this.ctx.clock.monotonic();
    for (const [id, list] of this.own.filters) {
      const live = list.filter((x) => x.until > now);
      if (live.length > 0) this.own.filters.set(id, live);
      else this.own.filters.delete(id);
    }
    const roles = this.ctx.roleSettings;
    if (this.ctx.checkLedger) {
      const drift = ledgerDrift(this.ctx.state, this.ctx.ledger);
      if (drift !== null) {
        // Loud on purpose (tests only): an uncaught error fails the test run or the node.
        const error = new Error(`resource ledger drifted from tasks and offers: ${drift}`);
        this.ctx.logger.error('resource ledger drift', { drift });
        setImmediate(() => {
          throw error;
        });
      }
    }
    const input = allocationInput(this.ctx.state, this.ctx.ledger, this.own.filters, { weights: roles.weights(), quotas: roles.quotas() }, now, this.ctx.allocation.minAllocatable, this.ctx.info.domain);
    if (input.agents.length === 0 || input.frameworks.length === 0) return;
    const decisions = allocate(input);
    const byFramework = new Map<string, OfferEntry[]>();
    for (const d of decisions) {
      const unavailability = this.unavailabilityOf(d.agentId);
      const offer: OfferEntry = { id: this.ctx.ids.offer(), frameworkId: d.frameworkId, agentId: d.agentId, role: d.role, resources: d.resources, ...(unavailability ? { unavailability } : {}) };
      this.own.offers.set(offer.id, offer);
      this.own.ledger.track('offer', offer);
      const timeout = this.ctx.timings.offerTimeoutMs;
      // Mesos --offer_timeout: a held offer goes back (RESCIND, no filter) so hoarding cannot starve others.
      if (timeout !== null) this.timeouts.set(offer.id, this.ctx.clock.setTimeout(() => this.rescind((o) => o.id === offer.id), timeout));
      const list = byFramework.get(d.frameworkId) ?? [];
      list.push(offer);
      byFramework.set(d.frameworkId, list);
    }
    for (const [frameworkId, offers] of [...byFramework.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      this.ctx.events.emit({ type: 'OFFERS_MADE', frameworkId, offers });
    }
  }

  /** Consumes offers for ACCEPT/DECLINE; returns them (the caller validated ownership). */
  take(offerId: string): OfferEntry | undefined {
    const offer = this.own.offers.get(offerId);
    if (!offer) return undefined;
    this.own.offers.delete(offerId);
    this.own.ledger.untrack(offer);
    this.timeouts.get(offerId)?.cancel();
    this.timeouts.delete(offerId);
    return offer;
  }

  /** Unused or declined resources: filter them for the framework for `refuseSeconds`. */
  decline(frameworkId: string, agentId: string, resources: Resources, refuseSeconds: number): void {
    if (!this.ctx.state.frameworks.has(frameworkId) || resources.isEmpty()) return;
    const seconds = refuseSeconds < 0 || !Number.isFinite(refuseSeconds) ? this.ctx.timings.defaultRefuseSeconds : Math.min(refuseSeconds, 31_536_000);
    const effective = Math.max(seconds * 1000, this.ctx.timings.allocationIntervalMs);
    const list = this.own.filters.get(frameworkId) ?? [];
    list.push({ agentId, resources, until: this.ctx.clock.monotonic() + effective });
    this.own.filters.set(frameworkId, list);
    this.ctx.requestAllocation();
  }

  /** DECLINE: the named offers of this framework are used up and their resources filtered; how many were. */
  declineOffers(frameworkId: string, offerIds: readonly string[], refuseSeconds: number): number {
    let declined = 0;
    for (const id of offerIds) {
      const offer = this.own.offers.get(id);
      if (!offer || offer.frameworkId !== frameworkId) continue;
      this.take(id);
      this.decline(frameworkId, offer.agentId, offer.resources, refuseSeconds);
      declined++;
    }
    return declined;
  }

  /** REVIVE: every filter of the framework is dropped. */
  clearFilters(frameworkId: string): void {
    this.own.filters.delete(frameworkId);
    this.ctx.requestAllocation();
  }

  /** Rescinds offers matching `pred`, telling the framework (RESCIND) unless `silently`. */
  rescind(pred: (o: OfferEntry) => boolean, silently = false): void {
    const victims = [...this.own.offers.values()].filter(pred).sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const o of victims) {
      this.take(o.id);
      this.ctx.events.emit({ type: 'OFFER_RESCINDED', frameworkId: o.frameworkId, offerId: o.id, silently });
    }
    if (victims.length > 0) this.ctx.requestAllocation();
  }
}
