// What a RaftNode is built from (its configuration and the state it restarts from) and
// what it reports (status()).
import type { ConfState, Entry, HardState, NodeId, Role, Snapshot } from './types.js';

export interface RaftConfig {
  readonly id: NodeId;
  /**
   * Membership used only to bootstrap a brand-new cluster (empty storage): every initial
   * member must pass the same list. A node joining an existing cluster passes [] and
   * learns the membership from the leader.
   */
  readonly voters: readonly NodeId[];
  readonly learners?: readonly NodeId[];
  /** A follower campaigns after a random timeout in [electionTicks, 2*electionTicks). */
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** Uniform integer in [0, n); injected so simulations are reproducible. */
  readonly randomInt: (n: number) => number;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  readonly maxBatchEntries?: number;
  readonly maxInflight?: number;
  /** Last index already applied to the state machine (if it is persisted with it). */
  readonly applied?: number;
}

/** What a node restarts from; produced by Storage.load(). */
export interface PersistedState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
}

export const EMPTY_STATE: PersistedState = { hardState: { term: 0, vote: '', commit: 0 }, snapshot: null, entries: [] };

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId;
  readonly lead: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly conf: ConfState;
}
