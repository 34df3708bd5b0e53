import { Histogram } from 'prom-client';
import type { MasterContext } from './context.js';
import type { MasterEvent } from './events.js';

// Latency histograms Mesos does not have, fed from the master's events (seconds, on the
// master's clock). They belong to one leading master and start empty after an election;
// GET /metrics exposes them (src/api/prometheus.ts). prom-client's Histogram is used for the
// bucket bookkeeping only: nothing here is registered globally.

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const ALLOCATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export class LatencyMetrics {
  readonly offerToAccept = new Histogram({
    name: 'tsmesos_master_offer_to_accept_seconds', help: 'Time from an offer being made to its framework accepting it', buckets: SECONDS_BUCKETS, registers: [],
  });
  readonly acceptToRunning = new Histogram({
    name: 'tsmesos_master_accept_to_running_seconds', help: 'Time from a task being accepted (TASK_STAGING) to its first TASK_RUNNING', buckets: SECONDS_BUCKETS, registers: [],
  });
  readonly allocationRun = new Histogram({
    name: 'tsmesos_master_allocation_run_seconds', help: 'Time one allocation cycle took', buckets: ALLOCATION_BUCKETS, registers: [],
  });
  /** Monotonic ms at which each outstanding offer was made. */
  private readonly offeredAt = new Map<string, number>();
  /** Monotonic ms at which each launched task (`framework/task`) was accepted, until it runs or ends. */
  private readonly acceptedAt = new Map<string, number>();

  constructor(private readonly ctx: MasterContext) {}

  get all(): Histogram[] {
    return [this.offerToAccept, this.acceptToRunning, this.allocationRun];
  }

  readonly onEvent = (e: MasterEvent): void => {
    const now = this.ctx.clock.monotonic();
    switch (e.type) {
      case 'OFFERS_MADE':
        for (const o of e.offers) this.offeredAt.set(o.id, now);
        this.forgetOffersGone();
        return;
      case 'OFFERS_ACCEPTED':
        for (const id of e.offerIds) {
          const at = this.offeredAt.get(id);
          if (at !== undefined) this.offerToAccept.observe((now - at) / 1000);
          this.offeredAt.delete(id);
        }
        return;
      case 'OFFER_RESCINDED':
        this.offeredAt.delete(e.offerId);
        return;
      case 'TASK_ADDED':
        if (this.ctx.state.frameworks.get(e.frameworkId)?.tasks.get(e.taskId)?.state === 'TASK_STAGING') this.acceptedAt.set(`${e.frameworkId}/${e.taskId}`, now);
        return;
      case 'TASK_UPDATED': {
        const key = `${e.frameworkId}/${e.status.task_id.value}`;
        const at = this.acceptedAt.get(key);
        if (at === undefined) return;
        if (e.status.state === 'TASK_RUNNING') this.acceptToRunning.observe((now - at) / 1000);
        if (e.status.state !== 'TASK_STARTING' && e.status.state !== 'TASK_STAGING') this.acceptedAt.delete(key);
        return;
      }
      case 'ALLOCATION_RAN':
        this.allocationRun.observe(e.durationMs / 1000);
        return;
      default:
        return;
    }
  };

  /** Declined offers leave without an event: drop times of offers the book no longer holds. */
  private forgetOffersGone(): void {
    if (this.offeredAt.size <= 2 * this.ctx.state.offers.size + 100) return;
    for (const id of [...this.offeredAt.keys()]) if (!this.ctx.state.offers.has(id)) this.offeredAt.delete(id);
  }
}
