// Disaster recovery when a quorum of masters is lost for good: rewrite this node's Raft
// state so that it alone is the membership, keeping its data (etcd's --force-new-cluster).
import type { SqliteStorage } from './sqlite-storage.js';
import { entryPayload, type StateMachine } from './state-machine.js';
import { persistedConf, setIdentity } from './identity.js';
import { makeConf } from './core/conf.js';
import type { NodeId } from './core/types.js';

export interface RecoverResult {
  id: NodeId;
  index: number;
  term: number;
  previousVoters: readonly NodeId[];
}

/**
 * Every entry this node holds is applied — committed or not, as etcd does: with the
 * quorum gone, the survivor's log is the best history left — then the log is replaced by
 * a snapshot at its last index whose membership is just `id`. One transaction.
 */
export function rewriteAsSoleMember(sm: StateMachine, storage: SqliteStorage, id: NodeId): RecoverResult {
  const db = sm.db;
  const p = storage.load();
  const snap = p.snapshot;
  const last = p.entries[p.entries.length - 1];
  const index = last?.index ?? snap?.index ?? 0;
  const term = last?.term ?? snap?.term ?? 0;
  const previousVoters = persistedConf(p).voters;
  db.transaction(() => {
    if (snap && snap.index > sm.appliedIndex()) sm.restore(snap.data, snap.index);
    for (const e of p.entries) {
      if (e.index <= sm.appliedIndex()) continue;
      sm.applyEntry(e.index, entryPayload(e));
    }
    storage.save({
      snapshot: { index, term, confState: makeConf([id]), data: sm.snapshot() },
      hardState: { term: Math.max(p.hardState.term, term), vote: '', commit: index },
      entries: [],
    });
    setIdentity(db, id);
  })();
  return { id, index, term, previousVoters };
}
