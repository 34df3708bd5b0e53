// Ready/advance bookkeeping: what the driver must persist, send and apply next, and what it
// has acknowledged handling.
import type { RaftNode } from './raft.js';
import type { HardState, Ready, SoftState } from './types.js';

export function hasReady(r: RaftNode): boolean {
  const l = r.log;
  return r.msgs.length > 0 || r.readStates.length > 0 || l.stableIndex < l.lastIndex() ||
    l.unstableSnapshot !== null || l.pendingCompaction !== null || l.committed > l.applied ||
    !sameHard(r.hardState(), r.prevHard) || !sameSoft(r.softState(), r.prevSoft);
}

export function ready(r: RaftNode): Ready | null {
  if (r.awaitingAdvance) throw new Error('ready() called again before advance()');
  if (!hasReady(r)) return null;
  const hs = r.hardState();
  const ss = r.softState();
  const rd: Ready = {
    ...(sameSoft(ss, r.prevSoft) ? {} : { softState: ss }),
    ...(sameHard(hs, r.prevHard) ? {} : { hardState: hs }),
    entries: r.log.unstableEntries(),
    ...(r.log.unstableSnapshot ? { snapshot: r.log.unstableSnapshot } : {}),
    ...(r.log.pendingCompaction ? { compaction: r.log.pendingCompaction } : {}),
    committedEntries: r.log.nextCommitted(),
    messages: r.msgs,
    readStates: r.readStates,
  };
  r.msgs = [];
  r.readStates = [];
  r.awaitingAdvance = true;
  return rd;
}

export function advance(r: RaftNode, rd: Ready): void {
  r.awaitingAdvance = false;
  if (rd.hardState) r.prevHard = rd.hardState;
  if (rd.softState) r.prevSoft = rd.softState;
  if (rd.snapshot && r.log.unstableSnapshot === rd.snapshot) r.log.unstableSnapshot = null;
  if (rd.compaction && r.log.pendingCompaction === rd.compaction) r.log.pendingCompaction = null;
  const last = rd.entries[rd.entries.length - 1];
  if (last) r.log.stableTo(last.index, last.term);
  const applied = rd.committedEntries[rd.committedEntries.length - 1];
  if (applied) r.log.appliedTo(applied.index);
}

const sameHard = (a: HardState, b: HardState): boolean => a.term === b.term && a.vote === b.vote && a.commit === b.commit;
const sameSoft = (a: SoftState, b: SoftState): boolean => a.term === b.term && a.lead === b.lead && a.role === b.role;
