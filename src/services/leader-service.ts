// The services scheduler as one of the master's leader-only services (master/leader-services.ts):
// started when this master leads and its registry is recovered, stopped when it stops leading.
// The handle tells the API whether this master runs it right now.
import { AppsService } from './apps-service.js';
import { ServicesDriver, type ServicesDriverOptions } from './driver.js';
import { GroupsService } from './groups-service.js';

export interface RunningServices {
  apps: AppsService;
  groups: GroupsService;
  driver: ServicesDriver;
}

/** Which services scheduler runs in this process now (null on followers and while starting). */
export class ServicesHandle {
  private running: RunningServices | null = null;
  current(): RunningServices | null {
    return this.running;
  }
  set(r: RunningServices | null): void {
    this.running = r;
  }
}

/** Structurally a master LeaderService (name, start, stop). */
export function servicesLeaderService(opts: ServicesDriverOptions, handle: ServicesHandle): { name: string; start(): void; stop(): void } {
  let running: RunningServices | null = null;
  return {
    name: 'services',
    start: () => {
      const driver = new ServicesDriver(opts);
      const apps = new AppsService({ store: driver.store, log: opts.log, clock: opts.clock, rng: opts.rng, changed: () => driver.requestTick(), events: driver.events });
      driver.start();
      running = { apps, groups: new GroupsService(apps), driver };
      handle.set(running);
    },
    stop: () => {
      if (handle.current() === running) handle.set(null);
      running?.driver.stop();
      running = null;
    },
  };
}
