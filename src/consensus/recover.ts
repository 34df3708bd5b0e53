// Disaster recovery when a quorum of masters is lost for good: rewrite this node's Raft
// state so that it alone is the membership, keeping its data (etcd's --force-new-cluster).
import path from 'node:path';
import fs from 'node:fs';
import { Registry } from '../registry/registry.js';
import { entryCommand } from './raft-log.js';
import { SqliteStorage } from './sqlite-storage.js';
import { persistedConf, setIdentity, storedIdentity } from './identity.js';
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
export function rewriteAsSoleMember(registry: Registry, storage: SqliteStorage, id: NodeId): RecoverResult {
  const db = registry.db;
  const p = storage.load();
  const snap = p.snapshot;
  const last = p.entries[p.entries.length - 1];
  const index = last?.index ?? snap?.index ?? 0;
  const term = last?.term ?? snap?.term ?? 0;
  const previousVoters = persistedConf(p).voters;
  db.transaction(() => {
    if (snap && snap.index > registry.appliedIndex()) registry.restore(snap.data, snap.index);
    for (const e of p.entries) {
      if (e.index <= registry.appliedIndex()) continue;
      registry.apply(e.index, entryCommand(e));
    }
    storage.save({
      snapshot: { index, term, confState: makeConf([id]), data: registry.snapshot() },
      hardState: { term: Math.max(p.hardState.term, term), vote: '', commit: index },
      entries: [],
    });
    setIdentity(db, id);
  })();
  return { id, index, term, previousVoters };
}

/** `tsmesos recover --force-new-cluster`: start the node again with `up --role master`, grow it with `masters add`. */
export function forceNewCluster(dataDir: string, idOverride?: NodeId): RecoverResult {
  const dir = path.join(dataDir, 'master');
  if (!fs.existsSync(path.join(dir, 'registry.db'))) throw new Error(`no master data in ${dataDir}`);
  const registry = Registry.open(dir);
  try {
    const storage = new SqliteStorage(registry.db);
    const id = idOverride ?? storedIdentity(registry.db);
    if (!id) throw new Error('this data directory does not record its master address; pass --ip and --port');
    return rewriteAsSoleMember(registry, storage, id);
  } finally {
    registry.close();
  }
}
