// Marathon's event bus (/v2/events): what the services scheduler did, in order, as Marathon
// names and shapes it (api_post_event, deployment_info, deployment_success, status_update_event,
// health_status_changed_event, app_terminated_event). One bus per leading scheduler; closing it
// ends every subscriber's stream.

export interface ServiceEvent {
  eventType: string;
  timestamp: string;
  [field: string]: unknown;
}

export type EventListener = (e: ServiceEvent) => void;

export class ServicesEvents {
  private readonly listeners = new Set<{ fn: EventListener; onClose: () => void }>();
  private closed = false;

  constructor(private readonly now: () => number) {}

  emit(eventType: string, fields: Record<string, unknown>): void {
    const e: ServiceEvent = { eventType, timestamp: new Date(this.now()).toISOString(), ...fields };
    for (const l of this.listeners) {
      try {
        l.fn(e);
      } catch {
        // a subscriber's failure is its own
      }
    }
  }

  /** Subscribes; returns the unsubscribe function. `onClose` runs when the bus closes (leadership lost). */
  subscribe(fn: EventListener, onClose: () => void): () => void {
    const entry = { fn, onClose };
    if (this.closed) {
      onClose();
      return () => undefined;
    }
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  close(): void {
    this.closed = true;
    for (const l of [...this.listeners]) l.onClose();
    this.listeners.clear();
  }
}
