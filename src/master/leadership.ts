import type { Master } from './master.js';

export interface LeaderAddress {
  hostname: string;
  ip: string;
  port: number;
  id?: string;
}

/**
 * Leadership gates the master's services in one place: handlers ask this, never
 * "am I leader?" on their own. The Raft driver's implementation follows elections
 * (src/ha/raft-leadership.ts).
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
