import { TASK_STATES, isTerminal, type TaskState } from '../domain/task-state.js';
import { OPERATION_TYPES } from '../wire/mesos.js';
import { CALL_TYPES, EVENT_TYPES } from '../wire/scheduler.js';
import type { MasterContext } from './context.js';
import type { MasterEvent } from './events.js';
import type { FrameworkView } from './state.js';

// Mesos's per-framework metrics (src/master/metrics.cpp FrameworkMetrics, on by default with
// --publish_per_framework_metrics): under master/frameworks/<name>/<id>/, the calls the framework
// made and the events it was sent (each type, and in all), offers sent, accepted, declined and
// rescinded, operations by type, tasks now in each active state and tasks that ended in each
// terminal state, and whether it is subscribed. Every key exists from the start, at zero.

const lower = (s: string): string => s.toLowerCase();
const COUNTER_KEYS: readonly string[] = [
  'calls', ...CALL_TYPES.filter((t) => t !== 'UNKNOWN').map((t) => `calls/${lower(t)}`),
  'events', ...EVENT_TYPES.filter((t) => t !== 'UNKNOWN').map((t) => `events/${lower(t)}`),
  'offers/sent', 'offers/accepted', 'offers/declined', 'offers/rescinded',
  'operations', ...OPERATION_TYPES.filter((t) => t !== 'UNKNOWN').map((t) => `operations/${lower(t)}`),
  ...TASK_STATES.filter(isTerminal).map((s) => `tasks/terminal/${lower(s)}`),
];
const ACTIVE_STATES: readonly TaskState[] = TASK_STATES.filter((s) => !isTerminal(s));

/** The cumulative counters of one framework, kept for as long as the master knows it. */
export class FrameworkMetrics {
  private readonly counts = new Map<string, number>(COUNTER_KEYS.map((k) => [k, 0]));

  call(type: string): void {
    this.bump('calls');
    this.bump(`calls/${lower(type)}`);
  }

  event(type: string): void {
    this.bump('events');
    this.bump(`events/${lower(type)}`);
  }

  operation(type: string): void {
    this.bump('operations');
    this.bump(`operations/${lower(type)}`);
  }

  offers(what: 'sent' | 'accepted' | 'declined' | 'rescinded', n = 1): void {
    this.bump(`offers/${what}`, n);
  }

  taskEnded(state: TaskState): void {
    this.bump(`tasks/terminal/${lower(state)}`);
  }

  entries(): IterableIterator<[string, number]> {
    return this.counts.entries();
  }

  private bump(key: string, n = 1): void {
    // Only the keys Mesos defines: a type outside the enums is not counted under a new name.
    const v = this.counts.get(key);
    if (v !== undefined) this.counts.set(key, v + n);
  }
}

/** `master/frameworks/<name>/<id>/`, the name percent-encoded as Mesos does (a '/' or ' ' in it). */
export function frameworkMetricPrefix(fw: FrameworkView): string {
  return `master/frameworks/${encodeURIComponent(fw.info.name)}/${fw.id}/`;
}

/** Metric (without the prefix) and value for one framework: its counters and its gauges now. */
export function frameworkMetricValues(fw: FrameworkView): [string, number][] {
  const out: [string, number][] = [['subscribed', fw.stream !== null && !fw.stream.isClosed ? 1 : 0], ...fw.metrics.entries()];
  const active = new Map<TaskState, number>(ACTIVE_STATES.map((s) => [s, 0]));
  for (const t of fw.tasks.values()) if (!isTerminal(t.state)) active.set(t.state, (active.get(t.state) ?? 0) + 1);
  for (const [s, n] of active) out.push([`tasks/active/${lower(s)}`, n]);
  return out;
}

/** Offers sent, accepted and rescinded, from the master's events. */
export function countFrameworkOffers(ctx: MasterContext): (e: MasterEvent) => void {
  return (e) => {
    switch (e.type) {
      case 'OFFERS_MADE':
        ctx.state.frameworks.get(e.frameworkId)?.metrics.offers('sent', e.offers.length);
        return;
      case 'OFFERS_ACCEPTED':
        ctx.state.frameworks.get(e.frameworkId)?.metrics.offers('accepted', e.offerIds.length);
        return;
      case 'OFFER_RESCINDED':
        if (!e.silently) ctx.state.frameworks.get(e.frameworkId)?.metrics.offers('rescinded');
        return;
      default:
        return;
    }
  };
}
