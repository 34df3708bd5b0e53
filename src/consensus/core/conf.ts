// Membership helpers and the confChange entry encoding.
import type { ConfChange, ConfState, Entry, NodeId } from './types.js';

/**
 * A confChange entry carries the change and the full resulting configuration, so the
 * configuration in force is simply that of the last confChange entry in the log (or the
 * snapshot's) — which makes reverting after a log truncation trivial.
 * `change` is null for the bootstrap entry written at index 1.
 */
export interface ConfChangeRecord {
  readonly change: ConfChange | null;
  readonly after: ConfState;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeConfChange(record: ConfChangeRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

export function decodeConfChange(entry: Entry): ConfChangeRecord {
  if (entry.type !== 'confChange') throw new Error(`entry ${entry.index} is not a confChange`);
  return JSON.parse(decoder.decode(entry.data)) as ConfChangeRecord;
}

export const EMPTY_CONF: ConfState = { voters: [], learners: [] };

const sorted = (ids: Iterable<NodeId>): NodeId[] => [...new Set(ids)].sort();

export function makeConf(voters: Iterable<NodeId>, learners: Iterable<NodeId> = []): ConfState {
  const v = sorted(voters);
  return { voters: v, learners: sorted([...learners].filter((id) => !v.includes(id))) };
}

export const isVoter = (c: ConfState, id: NodeId): boolean => c.voters.includes(id);
export const isLearner = (c: ConfState, id: NodeId): boolean => c.learners.includes(id);
export const isMember = (c: ConfState, id: NodeId): boolean => isVoter(c, id) || isLearner(c, id);
export const members = (c: ConfState): NodeId[] => sorted([...c.voters, ...c.learners]);
export const quorumSize = (c: ConfState): number => Math.floor(c.voters.length / 2) + 1;

/** Applies one single-server change, or explains why it is not allowed. */
export function applyConfChange(c: ConfState, cc: ConfChange): ConfState | string {
  switch (cc.type) {
    case 'addLearner':
      if (isMember(c, cc.node)) return `${cc.node} is already a member`;
      return makeConf(c.voters, [...c.learners, cc.node]);
    case 'promote':
      if (!isLearner(c, cc.node)) return `${cc.node} is not a learner`;
      return makeConf([...c.voters, cc.node], c.learners.filter((id) => id !== cc.node)); // filter equivalent: makeConf drops voters from learners
    case 'remove':
      if (!isMember(c, cc.node)) return `${cc.node} is not a member`;
      if (c.voters.length === 1 && isVoter(c, cc.node)) return 'cannot remove the last voter';
      return makeConf(c.voters.filter((id) => id !== cc.node), c.learners.filter((id) => id !== cc.node));
  }
}

/** True if the vote counts reach a quorum of `c`'s voters (non-voters are ignored). */
export function hasQuorum(c: ConfState, granted: (id: NodeId) => boolean): boolean {
  let n = 0;
  for (const id of c.voters) if (granted(id)) n++;
  return n >= quorumSize(c);
}
