// Bounds one seed's work so that a livelock (a Ready loop that never quiesces, a message
// storm, a snapshot resent forever) fails with the seed's replay command instead of hanging.
export class WatchdogTimeout extends Error {}

export interface WatchdogLimits {
  /** Units of work: simulated ms, Ready cycles and delivered messages all count one. */
  readonly maxWork: number;
  readonly maxWallMs: number;
}

/** Generous: a healthy seed does ~50k units in well under a second. */
export const DEFAULT_WATCHDOG: WatchdogLimits = { maxWork: 2_000_000, maxWallMs: 20_000 };

export class Watchdog {
  private work = 0;
  private readonly startedAt = Date.now();

  constructor(private readonly limits: WatchdogLimits) {}

  /** Counts one unit; checks the wall clock every 4096 units (Date.now() is not free). */
  spend(what: string): void {
    this.work++;
    if (this.work > this.limits.maxWork) {
      throw new WatchdogTimeout(`watchdog: more than ${this.limits.maxWork} units of work (last: ${what})`);
    }
    if ((this.work & 4095) === 0 || this.limits.maxWallMs === 0) this.checkWall(what);
  }

  checkWall(what: string): void {
    const elapsed = Date.now() - this.startedAt;
    if (elapsed >= this.limits.maxWallMs) {
      throw new WatchdogTimeout(`watchdog: ${elapsed} ms of wall time, limit ${this.limits.maxWallMs} (last: ${what})`);
    }
  }

  get spent(): number {
    return this.work;
  }
}
