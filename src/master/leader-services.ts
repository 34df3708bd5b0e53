// Leader-only services, switched on and off in one place (Nomad's establishLeadership /
// revokeLeadership): the leading master starts them all once it has recovered the registry
// and stops them all when it stops leading. A new leader-only loop (the allocator, liveness
// checks, the future service and job schedulers) is one more service in the list, never a
// timer started by hand somewhere else.
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';

export interface LeaderService {
  /** For logs: which service failed to start or stop. */
  readonly name: string;
  /** Called once this master leads and its state is recovered. May throw: the master then does not lead. */
  start(): void;
  /** Called when it stops leading (or failed to start a later service). Must not throw. */
  stop(): void;
}

export class LeaderServices {
  private readonly services: LeaderService[] = [];
  private running: LeaderService[] = [];

  constructor(private readonly logger: Logger) {}

  /** Adds a service; started after the ones registered before it, stopped before them. */
  register(service: LeaderService): void {
    if (this.running.length > 0) throw new Error(`leader service ${service.name} registered while the services run`);
    this.services.push(service);
  }

  names(): string[] {
    return this.services.map((s) => s.name);
  }

  /** Starts every service in registration order; if one throws, stops those already started and rethrows. */
  startAll(): void {
    for (const s of this.services) {
      try {
        s.start();
      } catch (e) {
        this.logger.error('leader service failed to start', { service: s.name, error: e instanceof Error ? e.message : String(e) });
        this.stopAll();
        throw e;
      }
      this.running.push(s);
    }
  }

  /** Stops the running services in reverse order; one failing stop does not keep the others running. */
  stopAll(): void {
    for (const s of this.running.splice(0).reverse()) {
      try {
        s.stop();
      } catch (e) {
        this.logger.error('leader service failed to stop', { service: s.name, error: e instanceof Error ? e.message : String(e) });
      }
    }
  }
}

/** A service that runs `fn` every `everyMs` while this master leads. */
export function periodicService(name: string, clock: Clock, everyMs: number, fn: () => void): LeaderService {
  let timer: { cancel(): void } | null = null;
  return {
    name,
    start: () => {
      timer = clock.setInterval(fn, everyMs);
    },
    stop: () => {
      timer?.cancel();
      timer = null;
    },
  };
}

/** A service that runs `fn` once, `afterMs` after this master started leading (unless it stopped before). */
export function delayedService(name: string, clock: Clock, afterMs: number, fn: () => void): LeaderService {
  let timer: { cancel(): void } | null = null;
  return {
    name,
    start: () => {
      timer = clock.setTimeout(() => {
        timer = null;
        fn();
      }, afterMs);
    },
    stop: () => {
      timer?.cancel();
      timer = null;
    },
  };
}
