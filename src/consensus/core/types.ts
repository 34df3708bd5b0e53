// Wire and persistence types of the Raft core. Plain data only: the core is pure.

export type NodeId = string;

/** 'noop' is appended by every new leader so it can commit an entry of its own term. */
export type EntryType = 'normal' | 'confChange' | 'noop';

export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  /** Opaque for 'normal'; encoded ConfChangeRecord for 'confChange'; empty for 'noop'. */
  readonly data: Uint8Array;
}

/** Membership. Arrays are kept sorted so every iteration order is deterministic. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export type ConfChangeType = 'addLearner' | 'promote' | 'remove';

export interface ConfChange {
  readonly type: ConfChangeType;
  readonly node: NodeId;
}

export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

export interface Snapshot extends SnapshotMeta {
  /** State-machine image at `index`, produced by the application. */
  readonly data: Uint8Array;
}

/** Must be persisted before any message of the same Ready is sent. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile; useful to the driver (who is leader?) but never persisted. */
export interface SoftState {
  readonly lead: NodeId;
  readonly role: Role;
  readonly term: number;
}

export type MessageType =
  | 'preVote' | 'preVoteResp'
  | 'vote' | 'voteResp'
  | 'append' | 'appendResp'
  | 'heartbeat' | 'heartbeatResp'
  | 'snapshot'
  | 'timeoutNow'
  // Carried by the driver, never stepped into the core (driver-snapshots.ts): a 'snapshot'
  // the core sends travels as chunks, and reaches the follower's core whole.
  | 'snapshotChunk' | 'snapshotAck';

/**
 * One flat message shape (etcd style). Fields unused by a type are 0 / '' / [].
 * - append: index/logTerm = the entry preceding `entries`; commit = leader commit.
 * - appendResp: index = last matching index, or on reject the rejected index with
 *   rejectHint/logTerm = the follower's conflict hint for fast backtracking.
 * - vote/preVote: index/logTerm = candidate's last entry; context 'transfer' bypasses the lease.
 * - heartbeat/heartbeatResp: context carries a ReadIndex request id.
 */
export interface Message {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  readonly logTerm: number;
  readonly index: number;
  readonly commit: number;
  readonly entries: readonly Entry[];
  readonly reject: boolean;
  readonly rejectHint: number;
  readonly context: string;
  readonly snapshot?: Snapshot;
  /** snapshotChunk only. The ack (snapshotAck) names the snapshot in index/logTerm and the bytes held in commit. */
  readonly chunk?: SnapshotChunk;
}

/** A piece of a snapshot image in transit: bytes [offset, offset + data.length) of `total`. */
export interface SnapshotChunk {
  readonly meta: SnapshotMeta;
  readonly total: number;
  readonly offset: number;
  readonly data: Uint8Array;
}

/** A confirmed ReadIndex: serve the read once applied >= index. */
export interface ReadState {
  readonly index: number;
  readonly context: string;
}

/**
 * Everything the caller must act on, in this order:
 * 1. persist `snapshot` (if any, replacing the log), `compaction`, `entries` and `hardState`
 *    durably (fsync) in one atomic write;
 * 2. only then send `messages` (a vote or an ack must never outlive a crash);
 * 3. restore the state machine from `snapshot` (if any), then apply `committedEntries` in order;
 *    act on `readStates` once applied >= their index;
 * 4. call `advance(ready)` before calling any other method of the node.
 */
export interface Ready {
  readonly softState?: SoftState;
  readonly hardState?: HardState;
  readonly entries: readonly Entry[];
  /** Received from the leader: persist it and restore the state machine from it. */
  readonly snapshot?: Snapshot;
  /** Produced locally by compact(): persist it (drops entries <= index); state machine unchanged. */
  readonly compaction?: Snapshot;
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
}

export type RaftErrorCode = 'NOT_LEADER' | 'UNAVAILABLE' | 'BAD_REQUEST';

export type Result<T> =
  | ({ readonly ok: true } & T)
  | { readonly ok: false; readonly code: RaftErrorCode; readonly leader: NodeId; readonly reason: string };
