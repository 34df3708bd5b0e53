import type { MasterContext } from './context.js';
import type { MasterEvent } from './events.js';
import { inverseOfferMessage, offerMessage } from './wire.js';

/** Turns master events into scheduler API events on each framework's subscription stream. */
export function feedFrameworkStreams(ctx: MasterContext): (e: MasterEvent) => void {
  return (e) => {
    switch (e.type) {
      case 'OFFERS_MADE': {
        const fw = ctx.state.frameworks.get(e.frameworkId);
        // Mesos nests the list: Event.offers is the Offers message, whose `offers` is the array.
        fw?.stream?.send({ type: 'OFFERS', offers: { offers: e.offers.map((o) => offerMessage(ctx, o, fw)) } });
        return;
      }
      case 'OFFER_RESCINDED':
        if (!e.silently) ctx.state.frameworks.get(e.frameworkId)?.stream?.send({ type: 'RESCIND', rescind: { offer_id: { value: e.offerId } } });
        return;
      case 'INVERSE_OFFERS_MADE':
        ctx.state.frameworks.get(e.frameworkId)?.stream?.send({ type: 'INVERSE_OFFERS', inverse_offers: { inverse_offers: e.inverseOffers.map((io) => inverseOfferMessage(ctx, io)) } });
        return;
      case 'INVERSE_OFFER_RESCINDED':
        ctx.state.frameworks.get(e.frameworkId)?.stream?.send({ type: 'RESCIND_INVERSE_OFFER', rescind_inverse_offer: { inverse_offer_id: { value: e.inverseOfferId } } });
        return;
      case 'AGENT_LOST':
        // Every connected framework, whether it ran anything there or not (Mesos sendSlaveLost).
        for (const fw of [...ctx.state.frameworks.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) fw.stream?.send({ type: 'FAILURE', failure: { agent_id: { value: e.agentId } } });
        return;
      case 'TASK_UPDATED':
        ctx.state.frameworks.get(e.frameworkId)?.stream?.send({ type: 'UPDATE', update: { status: e.status } });
        return;
      default:
        return;
    }
  };
}
