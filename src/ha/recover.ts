// `tsmesos recover --force-new-cluster` on a master's data directory: the registry there is
// the state machine, its database also holds the Raft log (src/consensus/recover.ts does the rewrite).
import path from 'node:path';
import fs from 'node:fs';
import { Registry } from '../registry/registry.js';
import { SqliteStorage } from '../consensus/sqlite-storage.js';
import { storedIdentity } from '../consensus/identity.js';
import { rewriteAsSoleMember, type RecoverResult } from '../consensus/recover.js';
import type { NodeId } from '../consensus/core/types.js';

/** Start the node again with `up --role master`, grow it with `masters add`. */
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
