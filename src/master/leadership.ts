import type { Master } from './master.js';

export interface LeaderAddress {
  hostname: string;
  ip: string;
  port: number;
  id?: string;
}

/**
 * Leadership gates the master's services in one place: handlers ask this, never
 * "am I leader?" on their own. A single master always leads; the Raft driver
 * supplies an implementation that follows elections.
 */
export interface Leadership {
  /** The running master services when this node leads, else null. */
  master(): Master | null;
  /** Where the leader is (self included); null when no leader is known. */
  leader(): LeaderAddress | null;
  electedTime(): number | null;
  /**
   * Resolves once this node is confirmed leader with everything committed before the
   * call applied locally (Raft ReadIndex), so a read served after it is linearizable.
   */
  readBarrier(): Promise<void>;
}

export class SoleLeadership implements Leadership {
  constructor(
    private readonly running: Master,
    private readonly self: LeaderAddress,
    private readonly since: number,
  ) {}
  master(): Master {
    return this.running;
  }
  leader(): LeaderAddress {
    return this.self;
  }
  electedTime(): number {
    return this.since;
  }
  readBarrier(): Promise<void> {
    return Promise.resolve(); // a sole master applies every write before acknowledging it
  }
}
