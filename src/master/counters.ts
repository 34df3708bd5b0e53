import type { MasterEvent } from './events.js';

// Mesos's cumulative master counters (src/master/metrics.cpp), fed from the event emitter.
// They start at zero when a master is elected, as Mesos's per-process counters do.
export class MasterCounters {
  readonly values = new Map<string, number>([
    ['master/slave_registrations', 0],
    ['master/slave_reregistrations', 0],
    ['master/slave_removals', 0],
    ['master/slave_unreachable_completed', 0],
    ['master/valid_status_updates', 0],
    ['allocator/mesos/allocation_runs', 0],
  ]);

  readonly listener = (e: MasterEvent): void => {
    switch (e.type) {
      case 'AGENT_ADDED':
        this.bump(e.reregistered ? 'master/slave_reregistrations' : 'master/slave_registrations');
        return;
      case 'AGENT_REMOVED':
        this.bump('master/slave_removals');
        return;
      case 'AGENT_UNREACHABLE':
        this.bump('master/slave_unreachable_completed');
        return;
      case 'TASK_UPDATED':
        if (e.status.source !== 'SOURCE_MASTER') this.bump('master/valid_status_updates');
        return;
      case 'ALLOCATION_RAN':
        this.bump('allocator/mesos/allocation_runs');
        return;
      default:
        return;
    }
  };

  private bump(key: string): void {
    this.values.set(key, (this.values.get(key) ?? 0) + 1);
  }
}
