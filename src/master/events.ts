import type { FrameworkInfo, TaskStatus } from '../wire/mesos.js';
import type { TaskState } from '../domain/task-state.js';
import type { OfferEntry } from './state.js';
import type { InverseOfferEntry } from './inverse-offers.js';

// Everything that happens on the leading master, as one ordered stream of internal events.
// Framework streams feed from it (framework-feed.ts); the operator API's SUBSCRIBE and the
// UI will too. Listeners run synchronously, in registration order, at the moment of the
// change, so every consumer sees the same total order.

export type MasterEvent =
  | { type: 'LEADER_ELECTED'; masterId: string; at: number }
  | { type: 'FRAMEWORK_ADDED'; frameworkId: string; info: FrameworkInfo }
  | { type: 'FRAMEWORK_UPDATED'; frameworkId: string; info: FrameworkInfo }
  | { type: 'FRAMEWORK_REMOVED'; frameworkId: string }
  | { type: 'OFFERS_MADE'; frameworkId: string; offers: readonly OfferEntry[] }
  /** `silently`: the framework is not told (failover, teardown, disconnection: Mesos sends no RESCIND then). */
  | { type: 'OFFER_RESCINDED'; frameworkId: string; offerId: string; silently: boolean }
  | { type: 'INVERSE_OFFERS_MADE'; frameworkId: string; inverseOffers: readonly InverseOfferEntry[] }
  | { type: 'INVERSE_OFFER_RESCINDED'; frameworkId: string; inverseOfferId: string }
  /** Offers used by a valid ACCEPT (offer-to-accept latency). */
  | { type: 'OFFERS_ACCEPTED'; frameworkId: string; offerIds: readonly string[] }
  /** A task the master now knows: launched (TASK_STAGING) or adopted from a reregistering agent. */
  | { type: 'TASK_ADDED'; frameworkId: string; taskId: string }
  /**
   * `status` as the framework sees it (state already mapped for non-PARTITION_AWARE frameworks);
   * `state` is the task's latest state as the master knows it (Mesos Task.state), unmapped.
   */
  | { type: 'TASK_UPDATED'; frameworkId: string; status: TaskStatus; state: TaskState }
  | { type: 'AGENT_ADDED'; agentId: string; reregistered: boolean }
  | { type: 'AGENT_DISCONNECTED'; agentId: string }
  | { type: 'AGENT_UNREACHABLE'; agentId: string; at: number }
  /** Marked unreachable or removed: connected frameworks hear FAILURE (Mesos LostSlaveMessage), before the tasks' updates. */
  | { type: 'AGENT_LOST'; agentId: string }
  /** Marked gone by the operator (MARK_AGENT_GONE): removed from the registry and shut down. */
  | { type: 'AGENT_REMOVED'; agentId: string }
  /** One allocation cycle ran (offers.runAllocation), taking `durationMs` of the master's clock. */
  | { type: 'ALLOCATION_RAN'; durationMs: number };

export type MasterEventListener = (event: MasterEvent) => void;

export class MasterEvents {
  private readonly listeners: MasterEventListener[] = [];

  /** Returns the unsubscribe function. */
  on(listener: MasterEventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  emit(event: MasterEvent): void {
    for (const l of [...this.listeners]) l(event);
  }
}
