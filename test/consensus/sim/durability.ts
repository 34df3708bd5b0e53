// The driver's persistence policy (src/consensus/driver-persist.ts), replayed on the page-cache
// disk: which Readies are fsynced, and which messages leave before the write. Kept in step with
// ReadyWriter by hand; the simulation then checks the policy is safe under crashes at any point,
// including between the leader's early sends and its fsync.
import type { Message, NodeId, Ready, Role } from '../../../src/consensus/core/types.js';

export interface WritePlan {
  /** Sent before the write: a leader's replication traffic (etcd's parallel append). */
  readonly early: readonly Message[];
  /** Sent after the write (and its fsync, if any). */
  readonly after: readonly Message[];
  readonly fsync: boolean;
}

/** `sabotage`: every message leaves before the write (a driver that forgot the ordering). */
export function planWrite(rd: Ready, role: Role, synced: { term: number; vote: NodeId }, sabotage = false): WritePlan {
  const hs = rd.hardState;
  const termOrVote = hs !== undefined && (hs.term !== synced.term || hs.vote !== synced.vote);
  // A Ready that only applies committed entries needs no fsync: the commit index is re-learned.
  const fsync = rd.entries.length > 0 || rd.snapshot !== undefined || rd.compaction !== undefined || termOrVote;
  if (sabotage) return { early: rd.messages, after: [], fsync };
  if (role !== 'leader' || termOrVote || rd.snapshot !== undefined) return { early: [], after: rd.messages, fsync };
  const isEarly = (m: Message): boolean => m.type === 'append' || m.type === 'heartbeat';
  return { early: rd.messages.filter(isEarly), after: rd.messages.filter((m) => !isEarly(m)), fsync };
}
