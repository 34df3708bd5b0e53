// Leadership that follows Raft elections: THE gate deciding whether this process runs
// the master's services (the Master and its LeaderServices list, src/master/leader-services.ts).
// src/ha/ is the only place where the consensus library meets the master: consensus knows
// no registry or master, the master knows only the CommandLog and Leadership interfaces.
import type { LeaderAddress, Leadership } from '../master/leadership.js';
import type { Master } from '../master/master.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { parseHostPort } from '../lib/http-client.js';
import { TsmesosError } from '../domain/errors.js';
import type { RaftDriver } from '../consensus/driver.js';

export interface RaftLeadershipOptions {
  driver: RaftDriver;
  self: { hostname: string; ip: string; port: number };
  /** Builds this node's master services; called each time it becomes leader. */
  makeMaster(): Master;
  clock: Clock;
  logger: Logger;
}

/**
 * A node runs a Master only while it is the Raft leader AND has applied the first entry
 * of its own term: by then its registry holds every committed change, so the Master it
 * starts recovers all agents and frameworks (as `recovered`; nothing is killed because
 * memory is empty). Losing leadership stops the Master, which closes every stream so
 * agents and schedulers reconnect and get redirected to the new leader.
 */
export class RaftLeadership implements Leadership {
  private running: Master | null = null;
  private since: number | null = null;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly opts: RaftLeadershipOptions) {
    this.unsubscribe = opts.driver.onChange(() => this.reconcile());
  }

  master(): Master | null {
    return this.running;
  }

  leader(): LeaderAddress | null {
    if (this.running) return { ...this.opts.self, hostname: this.opts.self.hostname, id: this.running.ctx.info.id };
    const lead = this.opts.driver.leaderId();
    // Leader but not ready yet (own-term entry not applied): no one can serve; callers get 503.
    if (!lead || lead === this.opts.driver.id) return null;
    const hp = parseHostPort(lead);
    return hp ? { hostname: hp.host, ip: hp.host, port: hp.port } : null;
  }

  electedTime(): number | null {
    return this.since;
  }

  /**
   * Linearizable reads use ReadIndex, not a leader lease: a lease is only safe if clock
   * drift between masters is bounded, which nothing here guarantees (VMs pause, NTP steps),
   * while ReadIndex costs one heartbeat round to a quorum (about a millisecond on a LAN).
   */
  async readBarrier(): Promise<void> {
    const m = this.running;
    await this.opts.driver.readBarrier();
    if (this.running !== m || m === null) throw new TsmesosError('UNAVAILABLE', 'leadership changed during the request; retry');
  }

  /** Graceful stop: hand leadership to the most up-to-date voter first, then stop the master. */
  async stop(transferTimeoutMs: number): Promise<void> {
    const alone = this.opts.driver.status().voters.every((v) => v === this.opts.driver.id);
    if (this.running && this.opts.driver.isLeader() && alone) {
      this.opts.logger.debug('no leadership transfer: no other voter');
    } else if (this.running && this.opts.driver.isLeader()) {
      const moved = await this.opts.driver.transferLeadership(transferTimeoutMs);
      this.opts.logger.info(moved ? 'leadership transferred' : 'no leadership transfer (no other voter caught up in time)');
    }
    this.stopped = true;
    this.unsubscribe();
    this.stopMaster();
  }

  private reconcile(): void {
    if (this.stopped) return;
    const lead = this.opts.driver.leaderReady();
    if (lead && !this.running) {
      this.opts.logger.info('elected leading master', { term: this.opts.driver.status().term });
      const m = this.opts.makeMaster();
      try {
        m.start();
      } catch (e) {
        this.opts.logger.error('master failed to start', { error: e instanceof Error ? e.stack : String(e) });
        m.stop();
        return;
      }
      this.running = m;
      this.since = this.opts.clock.now();
    } else if (!lead && this.running && !this.opts.driver.isLeader()) {
      this.opts.logger.info('no longer the leading master; stopping master services');
      this.stopMaster();
    }
  }

  private stopMaster(): void {
    const m = this.running;
    this.running = null;
    this.since = null;
    m?.stop();
  }
}
